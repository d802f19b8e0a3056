"""TypeScript/JavaScript owners for ``lifetimes``.

Who owns the code at a node:

- the module (top level): the page or the process;
- the application root: the component the entry point renders (``createRoot(..).render(
  <App/>)``, ``ReactDOM.render``, ``createApp(App)``, ``new Vue({...})``) and a custom
  element the module itself puts into the page at its top level
  (``customElements.define("x-shell", Shell);
  document.body.appendChild(document.createElement("x-shell"))``, or ``new Shell()``
  appended there; the tag's name says nothing): as long as the page;
- a module-level singleton: a class the module instantiates once (``export default new
  X()``, ``module.exports = new X()``, ``const x = new X()``) and a module-level object
  literal whose functions are its methods (a store's ``actions``): as long as the page;
- a module extension run once at load (``module.exports = function (Posts) { Posts.x =
  ...; }``): the process;
- a module an entry point mounts as the root, as one of the root's mixins or as a
  component the root always renders (``reads["js-root"]``, found by ``js_roots``): its
  default export is the root, and so is the component that export wraps
  (``export default connect(map)(Hyper)``);
- the class a plugin module exports (a module its loader picks by a computed name,
  ``require("./transporters/" + name)``, and no module around imports by its own name,
  ``reads["js-startup"]["plugin"]``): the loader makes its objects, one per name it is
  configured with, not a caller leaklint can see: as long as the page or process;
- code under a test of the process's command line (``if (opts.rawArgs.indexOf("--watch")
  > -1)``, ``process.argv``) in a function that is not known to run per call: the run
  of the command the process was started for (``main``), as long as the process;
- an object of any other class: its instance (``field``); a function: one call.

What dies with an owner (``dies_with``): the object itself (``this``), what it creates
(``new``, ``createX()``, ``spawn()``: also when kept in an outer variable), what its class
creates in a field, and the object that created it or was passed into its constructor
(``constructor(muya) { this.muya = muya }``, or handed to ``super``).
"""

from __future__ import annotations

from ..languages.javascript import (FUNCTIONS, LOOKUPS, args, callee, enclosing_function, fresh,
                                    function_name, made_here, method_of, norm, receiver,
                                    returned_values, strip, text, up, walk)
from ..languages import file_memo, nearest, of_type, within
from ..languages.javascript_objects import (RENDER_CALLS, class_creates, component_options,
                                            module_object)
from ..languages.javascript_runs import command_mode
from ..languages.javascript_values import (declares, declaring_function, iterated_value,
                                           local_value)
from .js_roots import default_component

CLASSES = ("class_declaration", "class", "abstract_class_declaration")
# the page's own containers, and the calls that put an element into one
PAGE_BODIES = {"document.body", "document.documentElement", "document.head"}
PAGE_INSERTS = {"appendChild", "append", "prepend", "insertBefore", "replaceChildren"}


def _root(node):
    while node.parent is not None:
        node = node.parent
    return node


def _enclosing_class(node):
    return nearest(node, CLASSES)


def _class_name(cls) -> str:
    name = cls.child_by_field_name("name") if cls is not None else None
    if name is not None:
        return text(name)
    p, _ = up(cls) if cls is not None else (None, None)
    if p is not None and p.type == "variable_declarator":
        return text(p.child_by_field_name("name"))
    return ""


def _file_facts(root) -> dict:
    """What the whole file says about roots and singletons, computed once per tree."""
    memo = file_memo()
    key = ("js-owners", root.id, root.start_byte, root.end_byte)
    if key in memo:
        return memo[key]
    roots, instantiated, root_objects = set(), {}, []
    defined, mounted = {}, []  # custom element tag -> class; what the module adds to the page
    for n in walk(root):
        if n.type == "new_expression":
            c = norm(n.child_by_field_name("constructor"))
            instantiated.setdefault(c, []).append(n)
            if c == "Vue":
                root_objects.extend(a for a in args(n)[:1] if strip(a).type == "object")
        elif n.type == "call_expression":
            meth, a = method_of(n), args(n)
            if meth in RENDER_CALLS and a:
                first = strip(a[0])
                if first is not None and first.type in ("jsx_element", "jsx_self_closing_element"):
                    opening = first if first.type == "jsx_self_closing_element" \
                        else first.child_by_field_name("open_tag")
                    tag = opening.child_by_field_name("name") if opening is not None else None
                    if tag is not None:
                        roots.add(text(tag))
                elif first is not None and first.type == "identifier" and meth.startswith("create"):
                    roots.add(text(first))
                elif first is not None and first.type == "object" and meth.startswith("create"):
                    root_objects.append(first)
            elif callee(n) == "customElements.define" and len(a) >= 2:
                defined[text(a[0]).strip("'\"`").lower()] = norm(a[1])
            elif meth in PAGE_INSERTS and norm(receiver(n)) in PAGE_BODIES \
                    and enclosing_function(n) is None:
                mounted.extend(a)
    for value in mounted:  # the element the module itself puts in the page, once
        v = strip(value)
        if v is not None and v.type == "new_expression":
            roots.add(norm(v.child_by_field_name("constructor")))
        elif v is not None and v.type == "call_expression" \
                and callee(v) == "document.createElement" and args(v):
            cls = defined.get(text(args(v)[0]).strip("'\"`").lower())
            if cls:
                roots.add(cls)
    facts = {"roots": roots, "instantiated": instantiated,
             "root_objects": {(o.start_byte, o.end_byte) for o in root_objects}}
    memo[key] = facts
    return facts


def _enclosing_object(obj):
    n = obj.parent
    while n is not None and n.type != "object":
        if n.type in FUNCTIONS:
            return None
        n = n.parent
    return n


def _singleton_class(cls, facts) -> bool:
    """Instantiated exactly once, at module level (``export default new X()``...)."""
    made = facts["instantiated"].get(_class_name(cls), [])
    return len(made) == 1 and enclosing_function(made[0]) is None


def single_instance(cls) -> str:
    """What holds the only instance the module makes of class ``cls``, at its top level
    (the variable's name, or "default" for ``export default new X()``), or "": that
    object lives as long as the page or process."""
    facts = _file_facts(_root(cls))
    if not _singleton_class(cls, facts):
        return ""
    made = facts["instantiated"][_class_name(cls)][0]
    p, _ = up(made)
    if p is not None and p.type == "variable_declarator":
        return text(p.child_by_field_name("name"))
    return "default" if p is not None and p.type == "export_statement" else "instance"


def module_extension(fn) -> bool:
    """``module.exports = function (Posts) { Posts.edit = ...; }``: a module that extends
    the object its parent passes in, called once when that object is put together."""
    p, child = up(fn)
    if p is None or p.type != "assignment_expression" or p.child_by_field_name("right") != child:
        return False
    if norm(p.child_by_field_name("left")) not in ("module.exports", "exports.default"):
        return False
    params = fn.child_by_field_name("parameters")
    names = [text(x) for x in (params.named_children if params is not None else [])
             if x.type == "identifier"]
    if not names:
        return False
    body = fn.child_by_field_name("body")
    for n in walk(body, stop=FUNCTIONS) if body is not None else ():
        if n.type == "assignment_expression":
            left = strip(n.child_by_field_name("left"))
            if left is not None and left.type == "member_expression" \
                    and norm(left.child_by_field_name("object")) in names:
                return True
    return False


def owner_kind(node, path: str, reads=None) -> tuple[str, str]:
    root = _root(node)
    facts = _file_facts(root)
    fn = enclosing_function(node) if node.type not in FUNCTIONS else node
    if fn is None:
        return "package", ""
    mode = command_mode(node)
    if mode:
        return "main", mode  # a mode of the command the process was started for
    if (reads or {}).get("js-root") and _in_default_export(node):
        return "root", ""  # an entry point mounts this module's export as the root
    outer = fn
    while enclosing_function(outer) is not None:
        outer = enclosing_function(outer)
    cls = _enclosing_class(fn)
    if cls is not None:
        name = _class_name(cls)
        if name in facts["roots"]:
            return "root", name
        if _singleton_class(cls, facts):
            return "singleton", name
        if ((reads or {}).get("js-startup") or {}).get("plugin") and _in_default_export(cls):
            return "plugin", name  # its loader makes one per name it is configured with
        return "field", name
    obj = module_object(outer)
    if obj is not None:
        n = obj
        while n is not None:
            if (n.start_byte, n.end_byte) in facts["root_objects"]:
                return "root", ""
            n = _enclosing_object(n)
        if not component_options(obj):
            return "singleton", function_name(outer)
    name = function_name(outer)
    if name and name in facts["roots"]:
        return "root", name
    if module_extension(fn):
        return "bootstrap", ""
    made = _after_load_once_guard(node, fn)
    if made:
        return "bootstrap", made
    return "function", function_name(fn)


def _in_default_export(node) -> bool:
    """Is ``node`` inside the module's default export (``export default {...}``, an
    exported default class or function, ``module.exports = ...``, the component such an
    export wraps: ``export default connect(map)(Hyper)``)?"""
    if within(node, default_component(_root(node))):
        return True
    top = node
    while top.parent is not None and top.parent.type != "program":
        top = top.parent
    if top.type == "export_statement":
        return any(c.type == "default" for c in top.children)
    if top.type in ("lexical_declaration", "function_declaration", "class_declaration") \
            and top.parent is not None:
        named = {text(d.child_by_field_name("name")) for d in top.named_children
                 if d.type == "variable_declarator"} if top.type == "lexical_declaration" \
            else {text(top.child_by_field_name("name"))}
        return _default_exported_name(top.parent) in named  # `const X = ...; export default X`
    if top.type == "expression_statement" and top.named_children:
        e = top.named_children[0]
        return e.type == "assignment_expression" and norm(e.child_by_field_name("left")) in (
            "module.exports", "exports.default")
    return False


def _default_exported_name(program) -> str:
    """``export default X;`` or ``module.exports = X;``: the name X, or ""."""
    for c in program.named_children:
        if c.type == "export_statement" and any(k.type == "default" for k in c.children):
            value = c.child_by_field_name("value")
            return text(value) if value is not None and value.type == "identifier" else ""
        e = c.named_children[0] if c.type == "expression_statement" and c.named_children \
            else None
        if e is not None and e.type == "assignment_expression" \
                and norm(e.child_by_field_name("left")) == "module.exports":
            value = strip(e.child_by_field_name("right"))
            return text(value) if value is not None and value.type == "identifier" else ""
    return ""


def _after_load_once_guard(node, fn) -> str:
    """``if (bus) return bus; bus = new Emitter(); bus.on(...)``: code after a module
    variable is made, behind a guard that returns once it is set, runs once per process.
    The variable's name, or ""."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return ""
    for n in walk(body, stop=FUNCTIONS):
        if n.start_byte >= node.start_byte or n.type != "assignment_expression":
            continue
        left = strip(n.child_by_field_name("left"))
        right = strip(n.child_by_field_name("right"))
        if left is None or left.type != "identifier" or right is None \
                or right.type not in ("new_expression", "call_expression"):
            continue
        name = text(left)
        if declares(fn, name) or not _encloses(n.parent.parent, node):
            continue
        for g in walk(body, stop=FUNCTIONS):
            if g.type == "if_statement" and g.end_byte <= n.start_byte \
                    and norm(g.child_by_field_name("condition")).strip("()") == name \
                    and any(r.type == "return_statement" for r in walk(g, stop=FUNCTIONS)):
                return name
    return ""


def _encloses(block, node) -> bool:
    return block is not None and block.start_byte <= node.start_byte \
        and node.end_byte <= block.end_byte


# -- what dies with the owner --------------------------------------------------------------

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


def _made_by_helper(body, field: str) -> bool:
    """``this.field = makeX(...)`` where ``makeX`` is a function of this file that returns
    an object it makes (``const el = document.createElement("div"); ...; return el``)."""
    for n in of_type(body, ("assignment_expression",)):
        if norm(n.child_by_field_name("left")) != "this." + field:
            continue
        v = strip(n.child_by_field_name("right"))
        if v is None or v.type != "call_expression" or receiver(v) is not None:
            continue
        for fn in _functions_named(_root(body), method_of(v)):
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
    cls = _enclosing_class(node)
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
    if node.type == "call_expression":
        if method_of(node) in LOOKUPS | WRAPPERS:
            return _own_value(node, at, depth)  # a node found in, or wrapping, an owned one
        return not callee(node).startswith(("document.", "window."))
    r = resolve(node)
    parts = r.split(".")
    cls = _enclosing_class(at)
    if parts[0] == "this" and len(parts) >= 2 and cls is not None:
        body = cls.child_by_field_name("body")
        return (body is not None and (class_creates(body, parts[1])
                                      or _made_by_helper(body, parts[1])
                                      or _assigned_own(body, parts[1], at, depth))) \
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
            if fn.type == "method_definition" and function_name(fn) == "constructor" \
                    and name in _params(fn):
                return True  # passed into the constructor: the object's creator or owner
            return made_here(fn, name) or _own_value(local_value(fn, name), at, depth)
        listed = iterated_value(fn, name)
        if listed is not None:  # `for (const el of owned.querySelectorAll(..))`
            return _own_value(listed, at, depth)
        fn = enclosing_function(fn)
    return first is not None and made_here(first, name)


# calls that wrap a node without making a new one (jQuery)
WRAPPERS = {"$", "jQuery"}
# a component's reference to its own rendered element
REF_MAKERS = {"useRef", "createRef", "useTemplateRef"}


def _own_value(value, at, depth: int) -> bool:
    """A value that is the owner's own node: made fresh, a ref to the component's element
    (``useRef()``), a node found inside an owned one (``this.querySelector("select")``),
    or a jQuery wrapper of one (``$(this.inputRef.current)``)."""
    v = strip(value)
    if v is None or v.type != "call_expression":
        return False
    meth = method_of(v)
    if fresh(v) or meth in REF_MAKERS:
        return True
    if meth in LOOKUPS:
        return receiver(v) is not None and dies_with(receiver(v), at, depth + 1)
    if meth in WRAPPERS and receiver(v) is None and args(v):
        return strip(args(v)[0]).type != "string" and dies_with(args(v)[0], at, depth + 1)
    return False


def _assigned_own(body, field: str, at, depth: int) -> bool:
    """``this.field = $(this.inputRef.current)``: the class keeps its own node there."""
    for n in of_type(body, ("assignment_expression",)):
        if norm(n.child_by_field_name("left")) == "this." + field \
                and _own_value(n.child_by_field_name("right"), at, depth):
            return True
    return False


def unref_timer(call) -> bool:
    """A Node timer that is ``.unref()``'d, chained (``setInterval(..).unref()``) or
    through the variable that holds it: it never keeps the process alive, and its owner
    is the process."""
    p, child = up(call)
    if p is not None and p.type == "member_expression" \
            and text(p.child_by_field_name("property")) == "unref":
        return True
    name = ""
    if p is not None and p.type == "variable_declarator":
        name = text(p.child_by_field_name("name"))
    elif p is not None and p.type == "assignment_expression" \
            and p.child_by_field_name("right") == child:
        name = norm(p.child_by_field_name("left"))
    if not name:
        return False
    fn = enclosing_function(call) or _root(call)
    for n in walk(fn):
        if n.type == "call_expression" and method_of(n) == "unref" \
                and norm(receiver(n)) == name:
            return True
    return False


def holder_kind(node):
    """``("timer", "")`` for an unref'd timer; None otherwise."""
    return ("timer", "") if node.type == "call_expression" and unref_timer(node) else None
