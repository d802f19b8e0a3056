"""Objects a method makes anew on each call and hands its own object to: a connection's
``exec()`` that answers ``cb(null, new Channel(info, this))``, a manager's ``query()`` that
hands ``new Query(this.client, sql)`` to the queue that runs it. Such a child lives for one
call of its maker; the object it was handed (the maker itself, or one of its fields) lives
on. A listener the child's constructor adds to that object stays there after the child is
gone, one more for each call, unless the child's class removes it.

How often the maker runs is read from what it does with the child: one it hands to a call
(directly, through a local, or in an object literal) is one of many; one it returns (a
factory's product, as many as its callers make), keeps (in a field, an array or a keyed
container: it lives as long as the maker keeps it) or only uses in the method is not
known to be.
"""

from __future__ import annotations

from . import tree_root
from .javascript_members import this_aliases
from .javascript_modules import parameters
from .javascript_runs import call_sites
from .javascript_syntax import args, enclosing_function, function_name, method_of, norm, \
    strip, text, up, walk
from .javascript_values import STORE_METHODS, declaring_function

_ASSIGN = "assignment_expression"


def _making_context(node, depth: int = 0) -> tuple[str, set]:
    """(the method whose run executes ``node``, the names that hold that method's own
    object there), through the callbacks written in it: a class or prototype method and
    `this` with the locals holding it (`var self = this`); a module function every call of
    which is in such a method and hands it the method's object (`function open(self,
    type, cb)` called as `open(this, "session", cb)`) and that parameter; ("", set())
    for a constructor, top-level code, or a function kept or handed on."""
    fn, selves = enclosing_function(node), {"this"}
    while fn is not None:
        selves |= this_aliases(fn)
        p, child = up(fn)
        if fn.type == "method_definition":
            name = function_name(fn)
            if name == "constructor":
                return "", set()
            cls = fn.parent.parent if fn.parent is not None else None
            owner = cls.child_by_field_name("name") if cls is not None else None
            return (f"{text(owner)}.{name}" if owner is not None else name), selves
        if p is not None and p.type == _ASSIGN and p.child_by_field_name("right") == child:
            left = norm(p.child_by_field_name("left"))
            return (left, selves) if ".prototype." in left else ("", set())
        if fn.type == "function_declaration" and enclosing_function(fn) is None and depth < 2:
            return _helper_context(fn, depth)
        if p is None or p.type != "arguments":
            return "", set()  # a kept function: how often it runs is not known here
        fn = enclosing_function(fn)
    return "", set()


def _helper_context(fn, depth: int) -> tuple[str, set]:
    params, held, method = parameters(fn), None, ""
    for call in call_sites(fn) or [None]:
        caller, selves = _making_context(call, depth + 1) if call is not None else ("", set())
        if not caller:
            return "", set()  # used as a value, or called where it is not known how often
        method = method or caller
        given = {i for i, a in enumerate(args(call)) if norm(a) in selves}
        held = given if held is None else held & given
    names = {params[i] for i in held or () if i < len(params) and params[i]}
    return (f"{function_name(fn)} (called by {method})", names) if names else ("", set())


def creator_arguments(made) -> list[int]:
    """The indices of the arguments of the ``new`` expression ``made`` that hand the child
    the object whose method makes it (``_making_context``), or one of its fields
    (`this.client`)."""
    _, selves = _making_context(made)
    out = []
    for i, a in enumerate(args(made)):
        s = strip(a)
        if s is not None and s.type in ("this", "identifier", "member_expression") \
                and norm(s).split(".")[0] in selves and norm(s).count(".") <= 1:
            out.append(i)
    return out


def handed_on(made, depth: int = 0) -> bool:
    """Does the method let the object ``made`` go: hand it to a call (a callback, a
    queue that runs it), directly, through a local, or in an object literal that goes
    there? One it returns is a factory's product (its callers decide how many there are);
    one it keeps, in a field, an array or a keyed container (`push`, `set`, `add`), lives
    with the maker, and so does what it added to the maker."""
    p, child = up(made)
    if p is None:
        return False
    if p.type == "arguments":
        return p.parent is None or p.parent.type != "call_expression" \
            or method_of(p.parent) not in STORE_METHODS
    if p.type == "pair" and p.parent is not None and p.parent.type == "object" and depth < 2:
        return handed_on(p.parent, depth + 1)
    if p.type != "variable_declarator" or p.child_by_field_name("value") != child:
        return False
    name = p.child_by_field_name("name")
    if name is None or name.type != "identifier" or depth >= 2:
        return False
    scope = declaring_function(enclosing_function(made), text(name))
    body = scope.child_by_field_name("body") if scope is not None else None
    uses = [n for n in walk(body) if n.type == "identifier" and text(n) == text(name)
            and n != name] if body is not None else []
    return not any(_kept(n) for n in uses) and any(handed_on(n, depth + 1) for n in uses)


def _kept(node) -> bool:
    """Is ``node`` stored where its maker keeps it: a field, an array, a container?"""
    p, child = up(node)
    if p is not None and p.type == "arguments" and p.parent is not None \
            and p.parent.type == "call_expression":
        return method_of(p.parent) in STORE_METHODS
    if p is not None and p.type == _ASSIGN and p.child_by_field_name("right") == child:
        return strip(p.child_by_field_name("left")).type in ("member_expression",
                                                               "subscript_expression")
    return p is not None and p.type == "array"


def made_per_call(made) -> str:
    """The method each call of which makes ``made`` anew and lets it go on, when the child
    is handed its maker; "" otherwise."""
    if not creator_arguments(made) or not handed_on(made):
        return ""
    return _making_context(made)[0]


def constructor_class(fn) -> str:
    """The name of the class ``fn`` constructs: a class's `constructor`, or a function
    the file uses as one (`function Channel(info, conn) {...}` with `new Channel(...)`
    or `Channel.prototype.x = ...` in the file)."""
    if fn is None:
        return ""
    if fn.type == "method_definition":
        if function_name(fn) != "constructor":
            return ""
        cls = fn.parent.parent if fn.parent is not None else None
        name = cls.child_by_field_name("name") if cls is not None else None
        return text(name) if name is not None else ""
    if fn.type not in ("function_declaration", "function_expression", "function"):
        return ""
    name, holder = function_name(fn), fn.parent
    while holder is not None and holder.type == _ASSIGN:
        holder = holder.parent  # `var Query = module.exports = function (...) {...}`
    if holder is not None and holder.type == "variable_declarator":
        name = norm(holder.child_by_field_name("name"))
    if not name or enclosing_function(fn) is not None:
        return ""
    source = tree_root(fn).text
    return name if f"{name}.prototype.".encode() in source \
        or f"new {name}(".encode() in source else ""


def parameter_index(ctor, target) -> int | None:
    """The index of the constructor parameter the registration target ``target`` is
    rooted at: the parameter itself or a member of it (`conn._parser`), or a field that
    holds it (`this._client`, after `this._client = client`, or a TypeScript parameter
    property, `constructor(private client: Client)`)."""
    names = parameters(ctor)
    parts = norm(target).split(".")
    if parts[0] in names:
        return names.index(parts[0])
    if parts[0] not in this_aliases(ctor) or len(parts) < 2:
        return None
    return next((i for i in range(len(names)) if parts[1] in parameter_fields(ctor, i)), None)


def parameter_fields(ctor, index: int) -> set:
    """The fields of the object that the constructor fills with its parameter ``index``."""
    params = ctor.child_by_field_name("parameters")
    nodes = [p for p in params.named_children if p.type != "comment"] if params else []
    given = nodes[index] if index < len(nodes) else None
    name = parameters(ctor)[index] if given is not None else ""
    if not name:
        return set()
    out = {name} if any(c.type in ("accessibility_modifier", "readonly")
                        for c in given.children) else set()
    selves = this_aliases(ctor)
    for n in walk(ctor):
        if n.type != _ASSIGN or norm(n.child_by_field_name("right")) != name:
            continue
        left = norm(n.child_by_field_name("left")).split(".")
        if len(left) == 2 and left[0] in selves:
            out.add(left[1])
    return out


def exported_as(root, cls: str) -> set:
    """The names other modules import the class ``cls`` of this file by: its own, and
    ``default`` or ``module.exports`` when it is the module's export (`export default
    class Channel`, `module.exports = Channel`, `var Query = module.exports = function`)."""
    out = {cls}
    for c in root.named_children:
        if c.type == "export_statement" and any(ch.type == "default" for ch in c.children):
            d = c.child_by_field_name("declaration") or c.child_by_field_name("value")
            name = d.child_by_field_name("name") if d is not None and d.type != "identifier" \
                else d
            if name is not None and text(name) == cls:
                out.add("default")
        for n in walk(c) if c.type in ("expression_statement", "variable_declaration",
                                         "lexical_declaration") else ():
            if n.type == _ASSIGN and norm(n.child_by_field_name("left")) == "module.exports":
                right, holder = strip(n.child_by_field_name("right")), n.parent
                named = holder is not None and holder.type == "variable_declarator" \
                    and norm(holder.child_by_field_name("name")) == cls
                if named or (right is not None and norm(right) == cls):
                    out.add("module.exports")
    return out
