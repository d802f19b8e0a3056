"""Small questions about TypeScript/JavaScript nodes that the adapter, the module index
and the checks all ask (one set for the typescript, tsx and javascript grammars)."""

from __future__ import annotations

import re

from . import file_memo, nearest, of_type, walk

WRAPPERS = ("parenthesized_expression", "non_null_expression", "as_expression",
            "satisfies_expression", "type_assertion", "await_expression")

_SPACE = re.compile(r"\s+")


def text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def norm(node) -> str:
    """The expression as compared structurally: no spaces, `?.` as `.`, no `!`, no casts."""
    node = strip(node)
    if node is None:
        return ""
    t = _SPACE.sub("", text(node)).replace("?.", ".").replace("!.", ".").replace(";", "")
    return t[:-1] if t.endswith("!") else t


def strip(node):
    """The expression inside parentheses, `x!`, `x as T`, `<T>x`, `await x`."""
    while node is not None and node.type in WRAPPERS:
        inner = [c for c in node.named_children if c.type not in ("type_annotation",)]
        if not inner:
            return node
        node = inner[0] if node.type != "type_assertion" else inner[-1]
    return node


def up(node):
    """The nearest ancestor that is not a wrapper, and the child of it on the way."""
    child, p = node, node.parent
    while p is not None and p.type in WRAPPERS:
        child, p = p, p.parent
    return p, child


def chained_call(value, methods) -> str:
    """The method among ``methods`` called right on ``value`` where it is made
    (`ds.createQueryRunner().query(sql)`: "query"); "" for any other use."""
    p = value.parent
    if p is None or p.type != "member_expression" or p.child_by_field_name("object") != value:
        return ""
    name = text(p.child_by_field_name("property"))
    outer = p.parent
    return name if name in methods and outer is not None and outer.type == "call_expression" \
        and outer.child_by_field_name("function") == p else ""


def immediately_invoked(fn) -> bool:
    """Is the function ``fn`` called where it is written (`(() => {...})()`,
    `(function () {...}).call(this)`)? Its code then runs as part of the code around it."""
    p, child = up(fn)
    if p is not None and p.type == "member_expression" \
            and text(p.child_by_field_name("property")) in ("call", "apply") \
            and strip(p.child_by_field_name("object")) == strip(child):
        p, child = up(p)
    return p is not None and p.type == "call_expression" \
        and strip(p.child_by_field_name("function")) == strip(child)


def args(call) -> list:
    a = call.child_by_field_name("arguments")
    if a is None or a.type != "arguments":
        return []
    return [c for c in a.named_children if c.type != "comment"]


FUNCTIONS = ("function_declaration", "function_expression", "function", "arrow_function",
             "method_definition", "generator_function_declaration", "generator_function")
LOOPS = ("for_statement", "for_in_statement", "while_statement", "do_statement")


def callee(call) -> str:
    fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    return norm(fn)


def method_of(call) -> str:
    """`addEventListener` for `window.addEventListener(...)`, the name for `f(...)`."""
    fn = strip(call.child_by_field_name("function"))
    if fn is None:
        return ""
    if fn.type == "member_expression":
        return text(fn.child_by_field_name("property"))
    return text(fn) if fn.type == "identifier" else ""


def receiver(call):
    """`window` for `window.addEventListener(...)`; None for a bare call."""
    fn = strip(call.child_by_field_name("function"))
    if fn is not None and fn.type == "member_expression":
        return fn.child_by_field_name("object")
    return None


def enclosing_function(node):
    return nearest(node, FUNCTIONS)


def callback_chain(node) -> tuple[list, object]:
    """Climbing from ``node`` out of the functions written as arguments of a call
    (`x.on("e", () => ...)`, `setTimeout(function () {...})`): ([(call, callback, the
    argument holding it)], innermost first), and the first enclosing function that is no
    such argument (None at a module's top level)."""
    chain, fn = [], enclosing_function(node)
    while fn is not None:
        p, child = up(fn)
        if p is None or p.type != "arguments":
            break
        chain.append((p.parent, fn, child))
        fn = enclosing_function(p.parent)  # runs as often as the code around the call
    return chain, fn


# React hooks that return the very function they are given (memoized across renders)
SAME_FUNCTION_HOOKS = ("useCallback", "React.useCallback")


def function_name(fn) -> str:
    """The name a function is known by: declared, method, `const f = () =>`, `f: function`,
    `const f = useCallback(() => ..., deps)`."""
    name = fn.child_by_field_name("name")
    if name is not None:
        return text(name)
    p, child = up(fn)
    if p is not None and p.type == "arguments" and p.named_children \
            and p.named_children[0] == child and p.parent is not None \
            and p.parent.type == "call_expression" \
            and text(p.parent.child_by_field_name("function")) in SAME_FUNCTION_HOOKS:
        p, _ = up(p.parent)
    if p is None:
        return ""
    if p.type == "variable_declarator":
        return text(p.child_by_field_name("name"))
    if p.type in ("pair", "public_field_definition", "field_definition"):
        key = p.child_by_field_name("key") or p.child_by_field_name("name") \
            or p.child_by_field_name("property")
        return text(key)
    if p.type == "assignment_expression":
        left = strip(p.child_by_field_name("left"))
        if left is not None and left.type == "member_expression":
            return text(left.child_by_field_name("property"))
        return text(left)
    return ""


def identifiers_named(root, name: str, types=("identifier",)) -> list:
    """The nodes of ``types`` under ``root`` spelled ``name``, in source order (kept once
    per file): found by searching the text for the name, each hit checked to be such a
    node (not part of a longer name, a string or a comment), not by reading every
    identifier of the file."""
    memo = file_memo()
    key = ("named", root.id, root.start_byte, root.end_byte, name, types)
    found = memo.get(key)
    if found is None:
        found = memo[key] = []
        source, base, word = root.text, root.start_byte, name.encode()
        at = source.find(word) if word else -1
        while at != -1:
            start, end = base + at, base + at + len(word)
            node = root.named_descendant_for_byte_range(start, end)
            if node is not None and node.type in types and node.start_byte == start \
                    and node.end_byte == end and node != root:
                found.append(node)
            at = source.find(word, at + 1)
    return found


def calls_in(node, stop=()):
    """The calls under ``node``, leaving out those inside nodes of a ``stop`` type."""
    found = of_type(node, ("call_expression",))
    if not stop:
        return found
    return [c for c in found if not _inside(c, node, stop)]


def _inside(n, top, stop) -> bool:
    """Is there a node of a ``stop`` type strictly between ``n`` and ``top``?"""
    p = n.parent
    while p is not None and p.id != top.id:
        if p.type in stop:
            return True
        p = p.parent
    return False


def function_body(fn):
    return fn.child_by_field_name("body")


def returned_values(fn) -> list:
    """Expressions ``fn`` returns (its own returns, not nested functions'); arrow bodies too."""
    body = function_body(fn)
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    out = []
    for n in walk(body, stop=FUNCTIONS):
        if n.type == "return_statement" and n.named_children:
            out.append(n.named_children[0])
    return out


def is_literal(node) -> bool:
    node = strip(node)
    return node is not None and node.type in ("string", "number", "template_string", "true",
                                              "false", "null", "undefined") \
        and not (node.type == "template_string" and any(
            c.type == "template_substitution" for c in node.named_children))


# calls whose result is a fresh object owned by the caller
OWNED_CREATORS = ("create", "clone", "spawn", "fork", "request", "connect", "open", "new", "watch")
# calls that return an object that already exists (not a fresh one owned by the caller)
LOOKUPS = {"querySelector", "getElementById", "closest", "matchMedia", "getElementsByTagName",
           "getRootNode", "item", "querySelectorAll", "getElementsByClassName"}


# DOM calls that return the node they insert (``parent.appendChild(el)`` is ``el``)
RETURN_INSERTED = {"appendChild", "insertBefore"}


def inserted(call):
    """The node a DOM insertion returns (its first argument), or None for any other value."""
    v = strip(call)
    if v is None or v.type != "call_expression" or method_of(v) not in RETURN_INSERTED \
            or receiver(v) is None:
        return None
    a = args(v)
    return a[0] if a else None


def fresh(value) -> bool:
    """A value that is a new object: ``new X()`` or a creating call (not a look-up), also
    as the result of inserting it (``parent.appendChild(document.createElement("div"))``)."""
    v = strip(value)
    if v is None:
        return False
    if inserted(v) is not None:
        return fresh(inserted(v))
    if v.type == "assignment_expression":  # `const s = this.s = new X()`: the value assigned
        return fresh(v.child_by_field_name("right"))
    if v.type == "new_expression":
        return True
    return v.type == "call_expression" and method_of(v).lower().startswith(OWNED_CREATORS) \
        and method_of(v) not in LOOKUPS


def made_here(fn, name: str) -> bool:
    """Does ``fn`` itself make the object ``name`` holds: ``const s = new X()``, ``pool =
    X.create()``, ``child = spawn(...)`` (also into an outer variable)?"""
    body = function_body(fn)
    for n in walk(body, stop=FUNCTIONS) if body is not None else ():
        if n.type == "variable_declarator" and text(n.child_by_field_name("name")) == name \
                and (fresh(n.child_by_field_name("value"))
                     or _found_in_rebuilt(n.child_by_field_name("value"), body)):
            return True
        if n.type == "assignment_expression" and norm(n.child_by_field_name("left")) == name \
                and (fresh(n.child_by_field_name("right"))
                     or _found_in_rebuilt(n.child_by_field_name("right"), body)):
            return True
    return False


def _found_in_rebuilt(value, body) -> bool:
    """``box.innerHTML = html; tabs = box.querySelector(".tabs")``: a node found in a
    container whose content the same function has just replaced is one it made."""
    v = strip(value)
    if v is None or v.type != "call_expression" or method_of(v) not in LOOKUPS \
            or receiver(v) is None:
        return False
    target = norm(receiver(v)) + ".innerHTML"
    return any(n.type == "assignment_expression" and n.start_byte < v.start_byte
               and norm(n.child_by_field_name("left")) == target
               for n in walk(body, stop=FUNCTIONS))


# the page's or the process's global object, written before a global function
GLOBAL_PREFIXES = ("window.", "globalThis.", "global.", "self.")


def global_callee(call) -> str:
    """The callee of ``call`` without a global object in front (`window.setTimeout` ->
    `setTimeout`)."""
    name = callee(call)
    return name.split(".", 1)[1] if name.startswith(GLOBAL_PREFIXES) else name


def after_own_clear(node, fn):
    """The ``setInterval(...)`` call whose callback ``fn`` holds ``node`` behind a clear of
    that very interval (``const h = setInterval(() => { if (ready) { clearInterval(h);
    init(); } }, 100)``): no later tick runs, so ``node`` runs at most once each time the
    interval is set. None otherwise."""
    p, child = up(fn)
    if p is None or p.type != "arguments" or [strip(a) for a in args(p.parent)][:1] != [
            strip(child)]:
        return None
    timer = p.parent
    if global_callee(timer) != "setInterval":
        return None
    holder, at = up(timer)
    if holder is not None and holder.type == "variable_declarator" \
            and holder.child_by_field_name("value") == at:
        handle = holder.child_by_field_name("name")
    elif holder is not None and holder.type == "assignment_expression" \
            and holder.child_by_field_name("right") == at:
        handle = holder.child_by_field_name("left")
    else:
        return None
    step = node
    while step is not None and step != fn:
        block = step.parent
        if block is not None and block.type == "statement_block":
            for statement in block.named_children:
                if statement == step:
                    break
                call = statement.named_children[0] if statement.type == "expression_statement" \
                    and statement.named_children else None
                if call is not None and call.type == "call_expression" \
                        and global_callee(call) == "clearInterval" \
                        and [norm(a) for a in args(call)] == [norm(handle)]:
                    return timer
        step = block
    return None


def stored_in(node):
    """Where the value ``node`` is stored: the name a declaration binds it to (`const t =
    node`) or the left side of an assignment (`t = node`, `this.t = node`); None when it
    is not stored."""
    p, child = up(node)
    if p is not None and p.type == "variable_declarator":
        return p.child_by_field_name("name")
    if p is not None and p.type == "assignment_expression" \
            and p.child_by_field_name("right") == child:
        return strip(p.child_by_field_name("left"))
    return None


def member_assigned(node):
    """(member, object) when ``node`` is the value assigned to a member (`obj.m = node`),
    else (None, None)."""
    p, child = up(node)
    if p is None or p.type != "assignment_expression" or p.child_by_field_name("right") != child:
        return None, None
    left = strip(p.child_by_field_name("left"))
    if left is None or left.type != "member_expression":
        return None, None
    return left, strip(left.child_by_field_name("object"))
