"""TypeScript/JavaScript owners for ``lifetimes``.

Who owns the code at a node:

- the module (top level): the page or the process;
- the application root: the component the entry point renders (``createRoot(..).render(
  <App/>)``, ``ReactDOM.render``, ``createApp(App)``, ``new Vue({...})``), the Angular
  component the application shell hosts (``@Component({ selector: "app-root" })``) and a custom
  element the module itself puts into the page at its top level
  (``customElements.define("x-shell", Shell);
  document.body.appendChild(document.createElement("x-shell"))``, or ``new Shell()``
  appended there; the tag's name says nothing): as long as the page;
- a module-level singleton: a class the module instantiates once (``export default new
  X()``, ``module.exports = new X()``, ``const x = new X()``) or that the modules around
  make only at their top level, once per module (``reads["js-startup"]["singletons"]``:
  one per window's bootstrap), and a
  module-level object literal whose functions are its methods (a store's ``actions``),
  and an Angular service provided in the root injector: as long as the page;
- a module extension run once at load (``module.exports = function (Posts) { Posts.x =
  ...; }``): the process;
- a module an entry point mounts as the root, as one of the root's mixins or as a
  component the root always renders (``reads["js-root"]``, found by ``js_roots``): its
  default export is the root, and so is the component that export wraps
  (``export default connect(map)(Hyper)``);
- the class a plugin module exports (a module its loader picks by a computed name,
  ``require("./transporters/" + name)``, and no module around imports by its own name,
  ``reads["js-startup"]["plugin"]``): the loader makes its objects, one per name it is
  configured with, not a caller leaklint can see: as long as the page or process; so
  is an ES5 class the module hands by name to another object's registry
  (``Client.registerComponent("socket", SocketClient)``) and never makes itself;
- code that runs in another realm, once per document or worker it is the source of: a
  function handed to a browser-automation call that runs it in each new document
  (``page.evaluateOnNewDocument(fn)``, playwright's ``addInitScript``), or a top-level
  function the module only turns into text (``fn.toString()``, ``String(fn)``,
  `` `${fn}` ``: a worker's source): as long as that document or worker (``injected``);
- code under a test of the process's command line (``if (opts.rawArgs.indexOf("--watch")
  > -1)``, ``process.argv``) in a function that is not known to run per call: the run
  of the command the process was started for (``main``), as long as the process;
- an object of any other class: its instance (``field``); a function: one call.

What dies with an owner (``dies_with``, in ``owners_js_targets``): the object itself,
what it creates, what its class creates in a field, and the object that created it or
was passed into its constructor.
"""

from __future__ import annotations

from ..languages.javascript import (FUNCTIONS, LOOPS, args, callee, enclosing_function,
                                    function_name, identifiers_named, method_of, norm, receiver,
                                    strip, text, up, walk)
from ..languages import file_memo, nearest, of_type, per_file, tree_root, within
from ..languages.javascript_objects import RENDER_CALLS, component_options, module_object
from ..languages.javascript_members import prototype_owner
from ..languages.javascript_runs import at_load, command_mode
from ..languages.javascript_values import declares
from .js_roots import default_component
# what dies with an owner and who holds a value: lifetimes asks them of this module, as
# of each language's owners module
from .owners_js_targets import aliases, dies_with, enclosing_class, holder_kind  # noqa: F401

# the page's own containers, and the calls that put an element into one
PAGE_BODIES = {"document.body", "document.documentElement", "document.head"}
PAGE_INSERTS = {"appendChild", "append", "prepend", "insertBefore", "replaceChildren"}
# browser-automation calls (puppeteer, playwright) that run the function they are handed in
# each new document, before the document's own scripts
INIT_SCRIPTS = {"evaluateOnNewDocument", "addInitScript"}


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
    roots, instantiated, root_objects, registered = set(), {}, [], set()
    defined, mounted = {}, []  # custom element tag -> class; what the module adds to the page
    for n in of_type(root, ("new_expression", "call_expression")):
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
            elif receiver(n) is not None and any(strip(x) is not None and strip(x).type
                                                  == "string" for x in a):
                # `Client.registerComponent("socket", SocketClient)`: handed on by name
                registered.update(text(x) for x in a if x.type == "identifier")
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
    facts = {"roots": roots, "instantiated": instantiated, "registered": registered,
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
    """Instantiated exactly once, at module level (``export default new X()``...) or in a
    function the module runs once as it loads (a ``DOMContentLoaded`` handler)."""
    made = facts["instantiated"].get(_class_name(cls), [])
    fn = enclosing_function(made[0]) if len(made) == 1 else None
    return len(made) == 1 and (fn is None or at_load(fn))


def _made_once_around(cls, name: str, reads) -> bool:
    """Is the class exported and made by the modules around only at their top level
    (``reads["js-startup"]["singletons"]``: ``new AppUpdater()`` in the entry), or made
    once by its own module, in a top-level function that start-up runs once
    (``reads["js-startup"]["started"]``: ``function initSocket() { socket = new
    Socket(); }`` called only from start-up code, across modules), and used by no module
    around?"""
    read = (reads or {}).get("js-startup") or {}
    made = read.get("singletons") or ()
    if name in made or ({"default", "module.exports"} & set(made)
                        and _in_default_export(cls)):
        return True  # `export default X` or CommonJS `module.exports = X`
    here = _file_facts(tree_root(cls))["instantiated"].get(name, []) if name else []
    fn = enclosing_function(here[0]) if len(here) == 1 else None
    return fn is not None and enclosing_function(fn) is None \
        and function_name(fn) in (read.get("started") or ()) \
        and nearest(here[0], LOOPS, fn) is None \
        and not ({name, "default"} & set(read.get("used") or ()))


# the selector of the component Angular's application shell hosts (`<app-root>` in
# index.html): bootstrapped once, it lives as long as the page
ROOT_SELECTORS = ('selector:"app-root"',)
# an Angular service provided in the root or platform injector: one for the application
ROOT_PROVIDERS = ('providedIn:"root"', 'providedIn:"platform"')


def _decorated(cls, decorator: str, settings) -> bool:
    """Is the class decorated with ``decorator`` (``@Component``) whose options object
    holds one of ``settings`` (spaces and quotes normalised)?"""
    holders = [cls] + ([cls.parent] if cls.parent is not None
                       and cls.parent.type == "export_statement" else [])
    for h in holders:
        for d in h.named_children:
            flat = norm(d).replace("'", '"') if d.type == "decorator" else ""
            if flat.startswith(decorator + "(") and any(x in flat for x in settings):
                return True
    return False


def _root_provided(cls) -> bool:
    """``@Injectable({ providedIn: "root" })`` (or "platform"): Angular makes one object of
    the service for the whole application."""
    return _decorated(cls, "@Injectable", ROOT_PROVIDERS)


def single_instance(cls) -> str:
    """What holds the only instance the module makes of class ``cls``, at its top level
    (the variable's name, or "default" for ``export default new X()``), or "": that
    object lives as long as the page or process."""
    facts = _file_facts(tree_root(cls))
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


def injected(fn) -> bool:
    """Does the function ``fn`` run in another realm, as (part of) the source of a document
    or a worker: handed to a call that runs it in each new document, or a top-level
    function whose every mention turns it into text? (Once per function and file.)"""
    return per_file(("js-injected", fn.id, fn.start_byte), lambda: _injected(fn))


def _injected(fn) -> bool:
    p, child = up(fn)
    if p is not None and p.type == "arguments" and p.named_children \
            and p.named_children[0] == child and method_of(p.parent) in INIT_SCRIPTS:
        return True
    if p is None or enclosing_function(fn) is not None or not (
            fn.type == "function_declaration" or p.type == "variable_declarator"):
        return False
    name = function_name(fn)
    root = tree_root(fn)
    source = per_file(("js-source", root.id, root.end_byte), lambda: root.text)
    spelled = name.encode()
    if not name or not any(s in source for s in (b"${" + spelled, spelled + b".toString",
                                                  b"String(" + spelled)):
        return False  # never turned into text (the usual case: no walk over the file)
    own = fn.child_by_field_name("name") if fn.type == "function_declaration" \
        else p.child_by_field_name("name")
    uses = [n for n in identifiers_named(root, name) if n != own]
    return bool(uses) and all(_as_text(n) for n in uses)


def _as_text(ident) -> bool:
    """Is the mention ``ident`` turned into source text: ``f.toString()``, ``String(f)``
    or a template's ``${f}``?"""
    p, child = up(ident)
    if p is None:
        return False
    if p.type == "template_substitution":
        return True
    if p.type == "member_expression" and text(p.child_by_field_name("property")) == "toString":
        q, member = up(p)
        return q is not None and q.type == "call_expression" \
            and q.child_by_field_name("function") == member
    return p.type == "arguments" and len(p.named_children) == 1 \
        and norm(p.parent.child_by_field_name("function")) == "String"


def owner_kind(node, path: str, reads=None) -> tuple[str, str]:
    root = tree_root(node)
    facts = _file_facts(root)
    fn = enclosing_function(node) if node.type not in FUNCTIONS else node
    if fn is None:
        return "package", ""
    realm = fn
    while realm is not None:  # what the function runs in: this module's realm or another
        if injected(realm):
            return "injected", function_name(realm)
        realm = enclosing_function(realm)
    mode = command_mode(node)
    if mode:
        return "main", mode  # a mode of the command the process was started for
    if _in_mounted_export(node, (reads or {}).get("js-root")):
        return "root", ""  # an entry point mounts this module's export as the root
    outer = fn
    while enclosing_function(outer) is not None:
        outer = enclosing_function(outer)
    cls = enclosing_class(fn)
    if cls is not None:
        name = _class_name(cls)
        if name in facts["roots"] or _decorated(cls, "@Component", ROOT_SELECTORS):
            return "root", name
        if _singleton_class(cls, facts) or _made_once_around(cls, name, reads) \
                or _root_provided(cls):
            return "singleton", name
        if ((reads or {}).get("js-startup") or {}).get("plugin") and _in_default_export(cls):
            return "plugin", name  # its loader makes one per name it is configured with
        return "field", name
    es5 = _es5_class(fn)
    if es5 and es5 in facts["registered"] and es5 not in facts["instantiated"]:
        return "plugin", es5  # handed by name to a registry, which makes its objects
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


def _es5_class(fn) -> str:
    """The ES5 class (``Name.prototype.m = function``) whose method or constructor ``fn``,
    or a function around it, is; "" otherwise."""
    while fn is not None:
        name = prototype_owner(fn)
        if name:
            return name
        p, _ = up(fn)
        name = function_name(fn) if fn.type == "function_declaration" or (
            p is not None and p.type == "variable_declarator") else ""
        if name and f"{name}.prototype.".encode() in tree_root(fn).text:
            return name  # its constructor
        fn = enclosing_function(fn)
    return ""


def _in_mounted_export(node, mounted) -> bool:
    """Is ``node`` inside an export of its module that an entry mounts as the root
    (``mounted``: the read's export names, "default" for the default export)?"""
    if not mounted:
        return False
    if "default" in mounted and _in_default_export(node):
        return True
    top = node
    while top.parent is not None and top.parent.type != "program":
        top = top.parent
    declared = top.child_by_field_name("declaration") if top.type == "export_statement" else None
    if declared is None:
        return False
    named = [d.child_by_field_name("name") for d in declared.named_children
             if d.type == "variable_declarator"] if declared.type == "lexical_declaration" \
        else [declared.child_by_field_name("name")]
    return bool({text(n) for n in named if n is not None} & set(mounted))


def _in_default_export(node) -> bool:
    """Is ``node`` inside the module's default export (``export default {...}``, an
    exported default class or function, ``module.exports = ...``, the component such an
    export wraps: ``export default connect(map)(Hyper)``)?"""
    if within(node, default_component(tree_root(node))):
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
