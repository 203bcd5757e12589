"""mypy plugin: calling a factory (`CaseFactory(...)`) gives the model it makes, as `create()` does.

factory_boy types `create()` and `build()` by the factory's model (`DjangoModelFactory[Case]`), but
a call of the factory class itself goes through its metaclass's `__call__`, which mypy does not
read: it would take the result for an instance of the factory. This hook gives such a call the
factory's model type instead. A factory not declared with its model keeps mypy's own answer, so
its uses fail the type check until it is.
"""

from collections.abc import Callable

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo
from mypy.plugin import FunctionContext, Plugin
from mypy.types import AnyType, Instance, Type, get_proper_type

BASE_FACTORY = "factory.base.BaseFactory"


class FactoryCallPlugin(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        symbol = self.lookup_fully_qualified(fullname)
        if symbol is not None and isinstance(symbol.node, TypeInfo) and symbol.node.has_base(BASE_FACTORY):
            return _made_model
        return None


def _made_model(ctx: FunctionContext) -> Type:
    factory = get_proper_type(ctx.default_return_type)
    if not isinstance(factory, Instance):
        return ctx.default_return_type
    base = next(info for info in factory.type.mro if info.fullname == BASE_FACTORY)
    model = map_instance_to_supertype(factory, base).args[0]
    if isinstance(get_proper_type(model), AnyType):
        return ctx.default_return_type
    return model


def plugin(version: str) -> type[Plugin]:
    return FactoryCallPlugin
