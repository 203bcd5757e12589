"""The supervisor's dashboard and the unit's figures: user-scoped reads computed in SQL (docs/figures.md)."""
