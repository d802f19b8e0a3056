"""Functions of a component that run as part of one of its effects.

A function the component keeps (`const register = useCallback(() => {...}, [deps])`,
`const register = () => {...}`, `function register() {...}`) and calls only from the body
of one effect (`useEffect(() => { register(); return cleanup; }, [register])`) runs when
that effect runs, each time its dependencies change: what it adds belongs to the effect,
whose cleanup must take it back.
"""

from __future__ import annotations

from .javascript_syntax import args, enclosing_function, identifiers_named, method_of, strip, up

MEMO_HOOKS = {"useCallback", "useMemo"}


def _bound_name(fn):
    """The name node a component's function is kept under (`const f = () => ...`, `const f
    = useCallback(() => ..., deps)`, `function f() {...}`), with the node it is declared
    in; (None, None) otherwise."""
    if fn.type == "function_declaration":
        return fn.child_by_field_name("name"), enclosing_function(fn)
    p, child = up(fn)
    if p is not None and p.type == "arguments" and method_of(p.parent) in MEMO_HOOKS \
            and args(p.parent)[:1] == [child]:
        p, child = up(p.parent)
    if p is None or p.type != "variable_declarator" or p.child_by_field_name("value") != child:
        return None, None
    name = p.child_by_field_name("name")
    return (name, enclosing_function(p)) if name is not None and name.type == "identifier" \
        else (None, None)


def calling_effect(fn, effect_hooks):
    """The effect callback (the first argument of a call of ``effect_hooks``) that is the only
    caller of the component's function ``fn``, calling it in its own body; None when the
    function is called anywhere else, handed on, or not a function the component keeps."""
    name, component = _bound_name(fn)
    if name is None or component is None:
        return None
    found = None
    for n in identifiers_named(component, name.text.decode()):
        if n == name:
            continue
        p, child = up(n)
        if p is not None and p.type == "array" and p.parent is not None \
                and p.parent.type == "arguments":
            continue  # listed among a hook's dependencies
        if p is None or p.type != "call_expression" or p.child_by_field_name("function") != child:
            return None  # handed on, or read: who calls it is not known
        caller = enclosing_function(p)
        q, via = up(caller) if caller is not None else (None, None)
        if q is None or q.type != "arguments" or method_of(q.parent) not in effect_hooks \
                or strip(args(q.parent)[0]) != strip(via) \
                or (found is not None and found != caller):
            return None
        found = caller
    return found
