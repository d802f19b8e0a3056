"""TypeScript/JavaScript targets for ``lifetimes`` (through ``owners_js``): what dies with
the owner of the code at a node, the names one object goes by, and timers that say who
holds them.

What dies with an owner (``dies_with``): the object itself (``this``), what it creates
(``new``, ``createX()``, ``spawn()``: also when kept in an outer variable), what its class
creates in a field, and the object that created it or was passed into its constructor
(``constructor(muya) { this.muya = muya }``, or handed to ``super``), and what a method was
handed and keeps in a field (``attach(host) { this.element = host }``).
"""

from __future__ import annotations

from ..languages.javascript import (FUNCTIONS, LOOKUPS, args, callee, enclosing_function, fresh,
                                    function_name, made_here, method_of, norm, receiver,
                                    returned_values, strip, text, up, walk)
from ..languages import nearest, of_type, tree_root
from ..languages.javascript_objects import class_creates
from ..languages.javascript_syntax import stored_in
from ..languages.javascript_values import (declares, declaring_function, iterated_value,
                                           local_value, module_constants)

CLASSES = ("class_declaration", "class", "abstract_class_declaration")


def enclosing_class(node):
    return nearest(node, CLASSES)


def _constructor(cls):
    body = cls.child_by_field_name("body") if cls is not None else None
    for m in (body.named_children if body is not None else []):
        if m.type == "method_definition" and function_name(m) == "constructor":
            return m
    return None


def _params(fn) -> list:
    params = fn.child_by_field_name("parameters") if fn is not None else None
    out = []
    for p in (params.named_children if params is not None else []):
        for n in [p] + list(walk(p)):
            if n.type == "identifier" and not (n.parent is not None
                                               and n.parent.type == "type_annotation"):
                out.append(text(n))
                break
    return out


def _given_field(cls, field: str) -> bool:
    """Is ``this.field`` the object passed into the constructor (stored as is, or a
    parameter of that name handed to ``super``)?"""
    ctor = _constructor(cls)
    if ctor is None:
        return False
    params = _params(ctor)
    for n in walk(ctor):
        if n.type == "assignment_expression" and norm(n.child_by_field_name("left")) == \
                "this." + field and norm(n.child_by_field_name("right")) in params:
            return True
        if n.type == "call_expression" and norm(n.child_by_field_name("function")) == "super" \
                and field in params and any(norm(a) == field for a in args(n)):
            return True
    return False


def _kept_in_field(method, name: str) -> bool:
    """Does ``method`` keep its parameter ``name`` in a field of the object (``attach(host)
    { this.element = host }``)? The object then holds what it was handed, as a constructor
    parameter kept in a field."""
    body = method.child_by_field_name("body")
    for n in of_type(body, ("assignment_expression",)) if body is not None else ():
        left = norm(n.child_by_field_name("left"))
        if left.startswith("this.") and left.count(".") == 1 \
                and norm(n.child_by_field_name("right")) == name:
            return True
    return False


def _made_by_helper(body, field: str) -> bool:
    """``this.field = makeX(...)`` where ``makeX`` is a function of this file that returns
    an object it makes (``const el = document.createElement("div"); ...; return el``)."""
    for n in of_type(body, ("assignment_expression",)):
        if norm(n.child_by_field_name("left")) != "this." + field:
            continue
        v = strip(n.child_by_field_name("right"))
        if v is None or v.type != "call_expression" or receiver(v) is not None:
            continue
        for fn in _functions_named(tree_root(body), method_of(v)):
            values = returned_values(fn)
            if values and all(fresh(r) or (strip(r) is not None and strip(r).type == "identifier"
                                          and made_here(fn, text(strip(r)))) for r in values):
                return True
    return False


def _functions_named(root, name: str) -> list:
    return [n for n in root.named_children if n.type == "function_declaration"
            and function_name(n) == name]


def resolve(node) -> str:
    """The expression ``node`` stands for: a local alias (``const el = this.el``, ``const
    { bus } = this.app``) is replaced by what it was read from."""
    s = strip(node)
    t = norm(s)
    if s is None or s.type != "identifier":
        head, _, rest = t.partition(".")
        if rest and head.isidentifier() and head != "this":
            base = _alias_of(node, head)
            if base:
                return base + "." + rest
        return t
    return _alias_of(node, t) or t


def _alias_of(node, name: str) -> str:
    fn = declaring_function(enclosing_function(node), name)
    if fn is None:
        return ""
    body = fn.child_by_field_name("body")
    for n in walk(body, stop=FUNCTIONS) if body is not None else ():
        if n.type != "variable_declarator":
            continue
        pat, v = n.child_by_field_name("name"), strip(n.child_by_field_name("value"))
        if v is None or v.type not in ("member_expression", "this", "identifier"):
            continue
        if pat is not None and pat.type == "identifier" and text(pat) == name:
            return norm(v) if v.type == "member_expression" else ""
        if pat is not None and pat.type == "object_pattern":
            for p in pat.named_children:
                if p.type == "shorthand_property_identifier_pattern" and text(p) == name:
                    return norm(v) + "." + name
    return ""


def aliases(node) -> set:
    """The names the object ``node`` goes by here: itself, what a local alias was read
    from, and for a field the constructor parameter stored in it."""
    names = {norm(node)}
    r = resolve(node)
    names.add(r)
    parts = r.split(".")
    cls = enclosing_class(node)
    if cls is not None and len(parts) == 2 and parts[0] == "this":
        ctor = _constructor(cls)
        for n in walk(ctor) if ctor is not None else ():
            if n.type == "assignment_expression" and norm(n.child_by_field_name("left")) == r:
                right = norm(n.child_by_field_name("right"))
                if right in _params(ctor):
                    names.add(right)
    return names


def dies_with(target, at, depth: int = 0) -> bool:
    if target is None or depth > 4:
        return False
    node = strip(target)
    if node is None:
        return False
    if norm(node) == "this" or fresh(node):
        return True
    if node.type == "subscript_expression":
        return _own_value(node, at, depth)  # `this.$panel[0]`: an element a wrapper holds
    if node.type == "call_expression":
        if method_of(node) in LOOKUPS | WRAPPERS or _selector_find(node):
            return _own_value(node, at, depth)  # a node found in, or wrapping, an owned one
        return not callee(node).startswith(("document.", "window."))
    r = resolve(node)
    parts = r.split(".")
    cls = enclosing_class(at)
    if parts[0] == "this" and len(parts) >= 3 and parts[2] == "nativeElement" \
            and _element_ref(cls, parts[1]):
        return True  # an Angular component's or directive's own host element
    if parts[0] == "this" and len(parts) >= 2 and cls is not None:
        body = cls.child_by_field_name("body")
        return (body is not None and (class_creates(body, parts[1])
                                      or _made_by_helper(body, parts[1])
                                      or _rendered(body, parts[1])
                                      or _assigned_own(body, parts[1], depth))) \
            or _given_field(cls, parts[1])
    root = strip(node)
    while root is not None and root.type in ("member_expression", "subscript_expression"):
        root = strip(root.child_by_field_name("object"))
    if root is None or root.type != "identifier":
        return False
    name = text(root)
    fn = enclosing_function(at)
    first = fn
    while fn is not None:
        if declares(fn, name):
            if fn.type == "method_definition" and name in _params(fn) \
                    and (function_name(fn) == "constructor" or _kept_in_field(fn, name)):
                return True  # passed into the object, which keeps it: its creator or owner
            value = local_value(fn, name)
            return made_here(fn, name) or _own_value(value, at, depth) \
                or _ended_by(fn, name) or _part_of_ended(value)
        listed = iterated_value(fn, name)
        if listed is not None:  # `for (const el of owned.querySelectorAll(..))`
            return _own_value(listed, at, depth)
        fn = enclosing_function(fn)
    return first is not None and made_here(first, name)


def _element_ref(cls, field: str) -> bool:
    """Is ``this.field`` an Angular ``ElementRef`` the framework injects (a constructor
    parameter property typed ``ElementRef``, a field so typed or ``inject(ElementRef)``):
    the reference to the component's or directive's own host element?"""
    if cls is None:
        return False
    ctor = _constructor(cls)
    params = ctor.child_by_field_name("parameters") if ctor is not None else None
    members = list(params.named_children if params is not None else [])
    body = cls.child_by_field_name("body")
    members += [m for m in (body.named_children if body is not None else [])
                if m.type in ("public_field_definition", "field_definition")]
    for m in members:
        name = m.child_by_field_name("name") or m.child_by_field_name("pattern")
        if name is None or text(name) != field:
            continue
        typed = m.child_by_field_name("type")
        value = m.child_by_field_name("value")
        if (typed is not None and norm(typed).lstrip(":").strip().split("<")[0] == "ElementRef") \
                or (value is not None and norm(value) == "inject(ElementRef)"):
            return True
    return False


# calls that wrap a node without making a new one (jQuery)
WRAPPERS = {"$", "jQuery"}
# a component's reference to its own rendered element
REF_MAKERS = {"useRef", "createRef", "useTemplateRef"}


def _own_value(value, at, depth: int) -> bool:
    """A value that is the owner's own node: made fresh, a ref to the component's element
    (``useRef()``), a node found inside an owned one (``this.querySelector("select")``),
    a jQuery wrapper of one (``$(this.inputRef.current)``) or the element a wrapper of
    one holds (``this.$widget[0]``)."""
    v = strip(value)
    if v is not None and v.type == "subscript_expression" \
            and norm(v.child_by_field_name("index")).isdigit():
        return dies_with(v.child_by_field_name("object"), at, depth + 1)
    if v is None or v.type != "call_expression":
        return False
    meth = method_of(v)
    if fresh(v) or meth in REF_MAKERS:
        return True
    if callee(v) in OWN_NODE_LOOKUPS and [norm(a) for a in args(v)] == ["this"]:
        return True  # `ReactDOM.findDOMNode(this)`: the component's own element
    if meth in LOOKUPS or meth in PARTS:
        return receiver(v) is not None and dies_with(receiver(v), at, depth + 1)
    if meth in WRAPPERS and receiver(v) is None and args(v):
        markup = _markup(args(v)[0])
        if markup is not None:
            return markup  # `$("<div>..</div>")` makes nodes; `$(".menu")` finds the page's
        return dies_with(args(v)[0], at, depth + 1)
    if _selector_find(v):
        return dies_with(receiver(v), at, depth + 1)
    return False


# what ends an object as a whole, its listeners with it: a worker terminated, a player
# destroyed (not `close`, which a <dialog> survives); also a release LL401 reads
OBJECT_ENDS = {"destroy", "dispose", "terminate"}
# what an element makes that is part of it: its shadow root
PARTS = {"attachShadow"}
# React's lookup of a component's own rendered element
OWN_NODE_LOOKUPS = {"findDOMNode", "ReactDOM.findDOMNode"}


def _ended_by(fn, name: str) -> bool:
    """Does code in ``fn`` (the function declaring ``name``, its closures included) end
    the object ``name`` holds as a whole (``player.destroy()``): the owner manages that
    object's life, so what is registered on it goes with it."""
    return any(method_of(c) in OBJECT_ENDS and receiver(c) is not None
               and strip(receiver(c)).type == "identifier" and text(strip(receiver(c))) == name
               for c in of_type(fn, ("call_expression",)))


def _part_of_ended(value) -> bool:
    """``const controls = ui.getControls()``, where the function declaring ``ui`` ends it
    as a whole (``ui.destroy()``): a part of an object the owner ends."""
    v = strip(value)
    if v is None or v.type != "call_expression" or receiver(v) is None:
        return False
    root = strip(receiver(v))
    if root is None or root.type != "identifier":
        return False
    holder = declaring_function(enclosing_function(v), text(root))
    return holder is not None and _ended_by(holder, text(root))


def _selector_find(call) -> bool:
    """jQuery's ``$el.find(".selector")``: nodes found inside ``$el`` (an array's ``find``
    takes a function)."""
    return method_of(call) == "find" and receiver(call) is not None and bool(args(call)) \
        and strip(args(call)[0]).type == "string"


def _markup(value):
    """For a string, or a module-level constant holding one: does it hold markup (a
    template that a jQuery call turns into new nodes)? None for any other value."""
    v = strip(value)
    if v is not None and v.type == "identifier":
        v = module_constants(tree_root(v)).get(text(v))
    if v is None or v.type not in ("string", "template_string"):
        return None
    return text(v)[1:].lstrip().startswith("<")


def _assigned_own(body, field: str, depth: int) -> bool:
    """``this.field = $(this.inputRef.current)``: the class keeps its own node there (the
    value is read where it is assigned: ``const el = this.$widget[0]; this.form =
    el.querySelector("form")``)."""
    for n in of_type(body, ("assignment_expression",)):
        if norm(n.child_by_field_name("left")) == "this." + field \
                and _own_value(n.child_by_field_name("right"), n, depth):
            return True
    return False


def _rendered(body, field: str) -> bool:
    """Is ``this.field`` what the class's render method returns (``doRender() {
    this.$widget = $(TPL); ...; return this.$widget }``)? A view hands the node it renders
    to whoever inserts it: that node is the view's own."""
    for m in body.named_children:
        name = function_name(m).lower() if m.type == "method_definition" else ""
        if (name.startswith("render") or name.endswith("render")) \
                and any(norm(r) == "this." + field for r in returned_values(m)):
            return True
    return False


def unref_timer(call) -> bool:
    """A Node timer that is ``.unref()``'d, chained (``setInterval(..).unref()``) or
    through the variable that holds it: it never keeps the process alive, and its owner
    is the process."""
    p, _ = up(call)
    if p is not None and p.type == "member_expression" \
            and text(p.child_by_field_name("property")) == "unref":
        return True
    held = stored_in(call)
    name = norm(held) if held is not None else ""
    if not name:
        return False
    fn = enclosing_function(call) or tree_root(call)
    for n in walk(fn):
        if n.type == "call_expression" and method_of(n) == "unref" \
                and norm(receiver(n)) == name:
            return True
    return False


def holder_kind(node):
    """``("timer", "")`` for an unref'd timer; None otherwise."""
    return ("timer", "") if node.type == "call_expression" and unref_timer(node) else None
