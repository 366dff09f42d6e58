# SPDX-License-Identifier: MIT
"""An unbounded module-level cache: marshmallow's class registry.

Source:  marshmallow-code/marshmallow#732, https://github.com/marshmallow-code/marshmallow/issues/732
Culprit: marshmallow.class_registry._registry — "this is because creating a
         new Schema class adds it to a registry in memory" (sloria,
         maintainer); every class made with type('MsgSchema', (Schema,), {})
         is appended to the module-level dict's list for its name and never
         removed.
Command: top
Expect:  class_registry._registry
Dumps:   1

The reporter builds a schema class per message in a loop. Here the module
`marshmallow.class_registry` is made in-process (its register() as in
marshmallow 2.x, which keys both the class name and the full path), a
SchemaMeta metaclass registers each class with its declared fields, and a
message handler creates one schema class per incoming message. Unrelated
live data: the application's own long-lived schemas and a batch of
decoded messages.
"""

import os
import sys
import types

import heapsnap

CLASS_REGISTRY = '''
_registry = {}

def register(classname, cls):
    """Add a class to the registry of serializer classes."""
    module = cls.__module__
    fullpath = ".".join([module, classname])
    if classname in _registry and not any(each.__module__ == module for each in _registry[classname]):
        _registry[classname].append(cls)
    elif classname not in _registry:
        _registry[classname] = [cls]
    _registry.setdefault(fullpath, []).append(cls)
'''


def install(name, source):
    mod = types.ModuleType(name)
    mod.__file__ = name.replace(".", "/") + ".py"
    exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    sys.modules[name] = mod
    return mod


class_registry = install("marshmallow.class_registry", CLASS_REGISTRY)


class Field:
    def __init__(self, kind, required=False, default=None):
        self.kind, self.required, self.default = kind, required, default
        self.metadata = {"description": "a %s field" % kind, "validators": []}


class SchemaMeta(type):
    def __new__(mcs, name, bases, attrs):
        declared = {k: v for k, v in attrs.items() if isinstance(v, Field)}
        cls = super().__new__(mcs, name, bases, attrs)
        cls._declared_fields = declared
        cls.opts = {"ordered": False, "fields": tuple(declared), "load_only": (), "dump_only": ()}
        class_registry.register(name, cls)
        return cls


class Schema(metaclass=SchemaMeta):
    def dump(self, obj):
        return {k: obj.get(k, f.default) for k, f in self._declared_fields.items()}


class UserSchema(Schema):
    id = Field("int", required=True)
    name = Field("str")
    email = Field("email")


def handle(message):
    # the reporter's pattern: a fresh schema class per message
    fields = {k: Field("str") for k in message}
    MsgSchema = type("MsgSchema", (Schema,), fields)
    return MsgSchema().dump(message)


def main():
    users = [{"id": i, "name": "user%d" % i, "email": "user%d@example.org" % i} for i in range(1500)]
    dumped = [UserSchema().dump(u) for u in users]
    out = []
    for i in range(3000):
        msg = {"topic": "sensor/%d" % (i % 50), "seq": str(i), "value": "%f" % (i / 7)}
        out.append(handle(msg)["seq"])
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    kept = len(class_registry._registry["__main__.MsgSchema"])
    if kept != 3000:  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d MsgSchema classes registered" % kept)
    return dumped, out


if __name__ == "__main__":
    keep = main()
