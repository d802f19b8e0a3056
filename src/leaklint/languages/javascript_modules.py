"""TypeScript/JavaScript modules as the index sees them: the module's top-level functions,
what it exports (ES ``export`` and CommonJS ``module.exports``/``exports.x``), the names
its relative imports bind (``import``, ``require``), and how a call names a function of
another module ("import:<specifier>#<exported name>")."""

from __future__ import annotations

from . import nearest, of_type, returns_name
from .javascript_syntax import (FUNCTIONS, WRAPPERS, args, function_name, global_callee, strip,
                                text, up)

FUNCTION_VALUES = ("function_expression", "function", "arrow_function", "generator_function")


def parameters(fn) -> list[str]:
    """Parameter names of a function node ("" for a pattern or a rest parameter)."""
    params = fn.child_by_field_name("parameters")
    if params is None:
        single = fn.child_by_field_name("parameter")  # `x => ...`
        return [text(single)] if single is not None else []
    out = []
    for p in params.named_children:
        if p.type == "comment":
            continue
        node = p.child_by_field_name("pattern") if p.type in ("required_parameter",
                                                               "optional_parameter") else p
        if node is not None and node.type == "assignment_pattern":
            node = node.child_by_field_name("left")
        out.append(text(node) if node is not None and node.type == "identifier" else "")
    return out


def _statement(node):
    """The declaration inside ``export ...``, or the node itself."""
    if node.type == "export_statement":
        return node.child_by_field_name("declaration")
    return node


def top_functions(root, written: bool = False) -> dict:
    """name -> function node, for the module's top-level functions: declarations and
    `const f = (...) => ...` / `function (...)` (exported or not); ``written``: also the
    functions a CommonJS module writes where it exports them (``exported_values``), keyed
    ``exports.f``."""
    out = {}
    for c in root.named_children:
        d = _statement(c)
        if d is None:
            continue
        if d.type in ("function_declaration", "generator_function_declaration"):
            name = d.child_by_field_name("name")
            if name is not None:
                out[text(name)] = d
        elif d.type in ("lexical_declaration", "variable_declaration"):
            for v in d.named_children:
                if v.type != "variable_declarator":
                    continue
                name, value = v.child_by_field_name("name"), strip(v.child_by_field_name("value"))
                if name is not None and name.type == "identifier" and value is not None \
                        and value.type in FUNCTION_VALUES:
                    out[text(name)] = value
    for name, value in exported_values(root) if written else ():
        out.setdefault(EXPORTED + name, value)
    return out


# the key of a function written where it is exported (`exports.f = function () {...}`):
# no name of the module calls it as `f()`
EXPORTED = "exports."
EXPORT_OBJECTS = ("exports", "module.exports")


def exported_values(root):
    """(exported name, function node) of the functions a CommonJS module writes where it
    exports them: `exports.f = function`, `module.exports.f = async () =>`, also inside
    a wrapper run at load with the exports object (`(function (module) { module.f =
    function () {...}; }(exports))`)."""
    for c in root.named_children:
        e = strip(c.named_children[0]) if c.type == "expression_statement" \
            and c.named_children else None
        if e is None:
            continue
        if e.type == "assignment_expression":
            yield from _exported_value(e, EXPORT_OBJECTS)
        elif e.type == "call_expression":
            fn = strip(e.child_by_field_name("function"))
            body = fn.child_by_field_name("body") if fn is not None \
                and fn.type in FUNCTION_VALUES else None
            params = parameters(fn) if body is not None else []
            held = tuple(p for p, a in zip(params, args(e)) if p and text(a) in EXPORT_OBJECTS)
            block = body.named_children if held and body.type == "statement_block" else ()
            for statement in block:
                inner = strip(statement.named_children[0]) if statement.type == \
                    "expression_statement" and statement.named_children else None
                if inner is not None and inner.type == "assignment_expression":
                    yield from _exported_value(inner, held)


def _exported_value(assign, objects):
    left, right = assign.child_by_field_name("left"), strip(assign.child_by_field_name("right"))
    if left is None or left.type != "member_expression" or right is None \
            or right.type not in FUNCTION_VALUES:
        return
    if text(left.child_by_field_name("object")) in objects:
        yield text(left.child_by_field_name("property")), right


def _require_of(node) -> str | None:
    """The specifier of `require("./x")`."""
    node = strip(node)
    if node is None or node.type != "call_expression" \
            or text(node.child_by_field_name("function")) != "require":
        return None
    a = args(node)
    if len(a) == 1 and a[0].type == "string":
        return text(a[0])[1:-1]
    return None


def imports(root, nested: bool = False) -> dict:
    """Local name -> (specifier, imported name); "*" for a whole module (a namespace
    import, or `const m = require(...)`). ``nested``: also a module a function requires
    where it needs it (`var db = require("./db")` in its body), unless the file binds
    that name otherwise (another module, or at its top level)."""
    out = _imports(root)
    if not nested or b"require" not in root.text:  # an ES module's text needs no walk
        return out
    inner: dict = {}
    for v in of_type(root, ("variable_declarator",)):
        spec, name = _require_of(v.child_by_field_name("value")), v.child_by_field_name("name")
        if spec is not None and name is not None and name.type == "identifier" \
                and v.parent is not None and v.parent.parent is not None \
                and v.parent.parent.type != "program":
            inner.setdefault(text(name), set()).add(spec)
    taken = set(out) | set(top_functions(root))
    out.update({name: (specs.pop(), "*") for name, specs in inner.items()
                if len(specs) == 1 and name not in taken})
    return out


def _imports(root) -> dict:
    out = {}
    for c in root.named_children:
        if c.type == "import_statement":
            source = c.child_by_field_name("source")
            if source is None:
                continue
            spec = text(source)[1:-1]
            for clause in c.named_children:
                if clause.type != "import_clause":
                    continue
                for part in clause.named_children:
                    if part.type == "identifier":
                        out[text(part)] = (spec, "default")
                    elif part.type == "namespace_import":
                        ids = [n for n in part.named_children if n.type == "identifier"]
                        if ids:
                            out[text(ids[-1])] = (spec, "*")
                    elif part.type == "named_imports":
                        for s in part.named_children:
                            if s.type != "import_specifier":
                                continue
                            name, alias = s.child_by_field_name("name"), s.child_by_field_name("alias")
                            out[text(alias or name)] = (spec, text(name))
        elif c.type in ("lexical_declaration", "variable_declaration"):
            for v in c.named_children:
                if v.type != "variable_declarator":
                    continue
                spec = _require_of(v.child_by_field_name("value"))
                name = v.child_by_field_name("name")
                if spec is None or name is None:
                    continue
                if name.type == "identifier":
                    out[text(name)] = (spec, "*")
                elif name.type == "object_pattern":
                    for p in name.named_children:
                        if p.type == "shorthand_property_identifier_pattern":
                            out[text(p)] = (spec, text(p))
                        elif p.type == "pair_pattern":
                            key, value = p.child_by_field_name("key"), p.child_by_field_name("value")
                            if value is not None and value.type == "identifier":
                                out[text(value)] = (spec, text(key))
    return out


def default_function(fn) -> bool:
    """Is ``fn`` the module's anonymous default export (``export default (a, b) => {...}``,
    ``export default async function () {...}``)? Start-up names it "default"."""
    p = fn.parent
    return fn.type in FUNCTIONS and p is not None and p.type == "export_statement" \
        and not function_name(fn) and any(ch.type == "default" for ch in p.children)


def anonymous_default(root) -> bool:
    """Does the module export an anonymous function by default?"""
    return any(c.type == "export_statement" and c.child_by_field_name("value") is not None
               and default_function(c.child_by_field_name("value")) for c in root.named_children)


def exports(root, functions: dict) -> dict:
    """Exported name -> local function name, or "import:<specifier>#<name>" when the
    module re-exports another module's function. Only functions are listed (a function
    written where it is exported, when ``functions`` holds it as ``exports.f``)."""
    out = {}
    for c in root.named_children:
        if c.type == "export_statement":
            d = c.child_by_field_name("declaration")
            default = any(ch.type == "default" for ch in c.children)
            if d is not None:
                for name in _declared(d, functions):
                    out["default" if default else name] = name
                continue
            value = c.child_by_field_name("value")
            if default and value is not None and value.type == "identifier" and text(value) in functions:
                out["default"] = text(value)
                continue
            if default and value is not None and strip(value).type == "object":
                _object_members(strip(value), functions, out)  # `export default { enable }`
                continue
            source = c.child_by_field_name("source")
            for clause in c.named_children:
                if clause.type != "export_clause":
                    continue
                for s in clause.named_children:
                    if s.type != "export_specifier":
                        continue
                    name, alias = s.child_by_field_name("name"), s.child_by_field_name("alias")
                    exported = text(alias or name)
                    if source is not None:
                        out[exported] = f"import:{text(source)[1:-1]}#{text(name)}"
                    elif text(name) in functions:
                        out[exported] = text(name)
        elif c.type == "expression_statement":
            _commonjs(c.named_children[0] if c.named_children else None, functions, out)
    for name, _ in exported_values(root):
        if EXPORTED + name in functions:
            out.setdefault(name, EXPORTED + name)
    return out


def _declared(d, functions) -> list:
    if d.type in ("function_declaration", "generator_function_declaration"):
        name = d.child_by_field_name("name")
        return [text(name)] if name is not None and text(name) in functions else []
    if d.type in ("lexical_declaration", "variable_declaration"):
        return [text(v.child_by_field_name("name")) for v in d.named_children
                if v.type == "variable_declarator" and text(v.child_by_field_name("name")) in functions]
    return []


def _commonjs(expr, functions, out) -> None:
    """`module.exports = { f, g: h }`, `module.exports.f = f`, `exports.f = f`."""
    if expr is None or expr.type != "assignment_expression":
        return
    left, right = expr.child_by_field_name("left"), strip(expr.child_by_field_name("right"))
    target = text(left)
    if right is None:
        return
    if target == "module.exports" and right.type == "object":
        _object_members(right, functions, out)
    elif target.startswith(("module.exports.", "exports.")) and right.type == "identifier" \
            and text(right) in functions:
        out[target.rsplit(".", 1)[-1]] = text(right)


def _object_members(obj, functions, out) -> None:
    """The module's functions an exported object literal lists, by their keys: its
    importers call them as members of the module's object."""
    for p in obj.named_children:
        if p.type == "shorthand_property_identifier" and text(p) in functions:
            out[text(p)] = text(p)
        elif p.type == "pair":
            value = p.child_by_field_name("value")
            if value is not None and value.type == "identifier" and text(value) in functions:
                out[text(p.child_by_field_name("key"))] = text(value)


def call_ref(call, imported: dict) -> str | None:
    """"import:<specifier>#<name>" for `f(...)` with f imported, or `m.f(...)` with m a
    whole imported module; None for any other call."""
    fn = strip(call.child_by_field_name("function"))
    if fn is None:
        return None
    if fn.type == "identifier":
        spec, name = imported.get(text(fn), (None, None))
        return f"import:{spec}#{name}" if spec is not None and name != "*" else None
    if fn.type == "member_expression":
        obj, prop = strip(fn.child_by_field_name("object")), fn.child_by_field_name("property")
        if obj is not None and obj.type == "identifier" and prop is not None:
            spec, name = imported.get(text(obj), (None, None))
            if spec is not None and name == "*":
                return f"import:{spec}#{text(prop)}"
    return None


def identifier_arguments(call) -> list[int]:
    """Positions of the call's arguments that are plain names."""
    return [i for i, a in enumerate(args(call)) if a.type == "identifier"]


RETURN_STOPS = ("function_declaration", "function_expression", "function", "arrow_function",
                "method_definition", "generator_function_declaration", "generator_function",
                "class_declaration", "class")


def returned(call, fn, memo: dict) -> bool:
    """Does ``fn`` return what ``call`` (its own code) yields: ``return [await] call(...)``,
    an arrow function's body, or ``const x = await call(...)`` and a ``return x``?"""
    child, p = call, call.parent
    while p is not None and p.type in WRAPPERS:
        child, p = p, p.parent
    if p is None:
        return False
    if p.type == "return_statement" or (p.type == "arrow_function" and p.id == fn.id):
        return True
    if p.type == "assignment_expression" and p.child_by_field_name("right") is not None \
            and p.child_by_field_name("right").id == child.id:
        # `var cxn; if (a) { cxn = make(x); } else { cxn = make(y); } return cxn`: a local
        # of its own (a module variable returned is one shared value, not a fresh one)
        name = strip(p.child_by_field_name("left"))
        if name is None or name.type != "identifier" or not _own_local(fn, text(name)):
            return False
        return returns_name(fn, fn.child_by_field_name("body"), name, memo, RETURN_STOPS, strip)
    if p.type != "variable_declarator" or p.child_by_field_name("value") is None \
            or p.child_by_field_name("value").id != child.id:
        return False
    name = p.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return False
    return returns_name(fn, fn.child_by_field_name("body"), name, memo, RETURN_STOPS, strip)


def _own_local(fn, name: str) -> bool:
    """Does ``fn`` itself (not a function inside it) declare the variable ``name``?"""
    body = fn.child_by_field_name("body")
    return body is not None and any(
        text(d.child_by_field_name("name")) == name and nearest(d, RETURN_STOPS, body) is None
        for d in of_type(body, ("variable_declarator",)))


# Node's module of the global timer functions (`require("timers").setTimeout`)
TIMER_MODULES = ("timers", "node:timers")


def timer_callee(call, imported: dict) -> str:
    """``global_callee``, also through Node's timers module, which holds the global timer
    functions: `Timers.setTimeout` after `const Timers = require("timers")` (``imported``:
    the file's ``imports``) is `setTimeout`."""
    name = global_callee(call)
    head, _, rest = name.partition(".")
    spec = imported.get(head, ("", ""))
    return rest if rest and "." not in rest and spec[0] in TIMER_MODULES \
        and spec[1] in ("*", "default") else name


def promised(call, fn):
    """The function that returns ``new Promise(executor)`` when ``fn`` is that executor
    and it resolves the promise with what ``call`` yields, kept in a local of its own
    (`const child = fork(...); child.on("message", () => resolve(child))`); None
    otherwise."""
    if fn is None:
        return None
    p, child = up(fn)
    made = p.parent if p is not None and p.type == "arguments" else None
    if made is None or made.type != "new_expression" \
            or text(made.child_by_field_name("constructor")) != "Promise" \
            or not args(made) or strip(args(made)[0]) != strip(child):
        return None
    params = parameters(fn)
    bound, value = up(call)
    if not params or not params[0] or bound is None or bound.type != "variable_declarator" \
            or bound.child_by_field_name("value") != value \
            or nearest(bound, RETURN_STOPS, fn) is not None and nearest(bound, RETURN_STOPS) != fn:
        return None
    name = text(bound.child_by_field_name("name"))
    if not any(text(c.child_by_field_name("function")) == params[0]
               and [text(a) for a in args(c)] == [name]
               for c in of_type(fn, ("call_expression",))):
        return None
    q, via = up(made)
    if q is None or not (q.type == "return_statement" or q.type == "arrow_function"
                         and q.child_by_field_name("body") == via):
        return None
    outer = q if q.type == "arrow_function" else nearest(q, RETURN_STOPS)
    return outer if outer is not None and outer.type not in ("class_declaration", "class") \
        else None
