"""Every business write on case data is a function here, named `<entity>_<verb>`, taking `actor`."""
