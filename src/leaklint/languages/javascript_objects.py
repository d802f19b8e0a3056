"""What a TypeScript/JavaScript object is, as far as owners go: a component's options
(one per instance), a module-level object literal (a singleton of the module), what a
class makes in its fields, what an application root is mounted with.
"""

from __future__ import annotations

from . import of_type
from .javascript_syntax import inserted, method_of, norm, strip, text, up

# methods that acquire for the lifetime of their object, by kind of class
COMPONENT_ACQUIRE = {"componentDidMount", "ngOnInit", "ngAfterViewInit", "ngAfterContentInit",
                     "connectedCallback", "firstUpdated", "mounted", "created", "beforeMount",
                     "activated", "ngOnChanges"}
COMPONENT_RELEASE = {"componentWillUnmount", "ngOnDestroy", "disconnectedCallback",
                     "beforeUnmount", "unmounted", "beforeDestroy", "destroyed", "deactivated"}
# calls that mount an application root (its component or options object)
RENDER_CALLS = {"render", "hydrate", "hydrateRoot", "createApp", "createSSRApp", "mount"}


def class_creates(body, name: str) -> bool:
    """Does the class whose body is ``body`` create ``this.name`` itself: a field
    initialiser ``name = new X()`` or an assignment ``this.name = new X()`` /
    ``this.name = this.createX()``? It lives and dies with the instance."""
    key = "this." + name
    for mem in body.named_children:
        if mem.type in ("public_field_definition", "field_definition") \
                and text(mem.child_by_field_name("name")) == name \
                and creates(mem.child_by_field_name("value")):
            return True
    for n in of_type(body, ("assignment_expression",)):
        if norm(n.child_by_field_name("left")) == key:
            v = strip(n.child_by_field_name("right"))
            while v is not None and v.type == "assignment_expression":
                v = strip(v.child_by_field_name("right"))
            if creates(v):
                return True
    return False


def creates(value) -> bool:
    """``new X()`` or a ``createX()``/``cloneX()`` call: a fresh object, also as inserted
    into the page (``parent.appendChild(document.createElement("div"))``)."""
    v = strip(value)
    if inserted(v) is not None:
        return creates(inserted(v))
    return v is not None and (v.type == "new_expression" or (
        v.type == "call_expression"
        and method_of(v).lstrip("_").lower().startswith(("create", "clone"))))


def module_object(fn):
    """The module-level object literal whose member ``fn`` is (a singleton), or None."""
    p, _ = up(fn)
    obj = None
    if fn.type == "method_definition" and fn.parent is not None and fn.parent.type == "object":
        obj = fn.parent
    elif p is not None and p.type == "pair" and p.parent is not None and p.parent.type == "object":
        obj = p.parent
    if obj is None:
        return None
    n = obj
    while True:
        q, _ = up(n)
        if q is None:
            return None
        if q.type in ("program", "export_statement"):
            return obj
        if q.type in ("variable_declarator", "lexical_declaration", "variable_declaration",
                      "pair", "object", "assignment_expression", "expression_statement"):
            n = q
            continue
        if q.type == "arguments" and method_of(q.parent) in RENDER_CALLS | {"defineComponent"}:
            n = q.parent
            continue
        return None


# keys of a component's options object: one per instance, not a singleton
COMPONENT_KEYS = {"data", "methods", "computed", "props", "template", "render", "setup",
                  "watch", "components", "emits", "mixins"}


def component_options(obj) -> bool:
    """Is this object literal (or one it sits in) a component's options?"""
    n = obj
    while n is not None and n.type == "object":
        keys = set()
        for m in n.named_children:
            k = m.child_by_field_name("key") or m.child_by_field_name("name")
            if k is not None:
                keys.add(text(k))
        if keys & (COMPONENT_KEYS | COMPONENT_ACQUIRE | COMPONENT_RELEASE):
            return True
        p, _ = up(n)
        n = p.parent if p is not None and p.type == "pair" else None
    return False


def wrapped_component(value):
    """The component a higher-order wrapper takes: ``connect(map)(Hyper)``,
    ``forwardRef((props, ref) => ...)``, ``memo(Row)``, ``withRouter(Page)`` (a call whose
    first argument is a function, a class or a capitalised name). ``value`` itself when it
    is no such call; None for a call that wraps nothing of the kind."""
    node = strip(value)
    while node is not None and node.type == "call_expression":
        arguments = node.child_by_field_name("arguments")
        first = strip(arguments.named_children[0]) if arguments is not None \
            and arguments.named_children else None
        if first is None or not (first.type in ("arrow_function", "function_expression",
                                                "function", "class", "call_expression")
                                 or (first.type == "identifier" and text(first)[:1].isupper())):
            return None
        node = first
    return node
