"""LL302: a context's cancel func stored in a struct field or a package variable that
nothing ever calls.

Storing the cancel func is a handoff for LL301; this rule checks the other half: some
code of the package (a Stop/Close method, usually) must read the field again. The
package is the directory's .go files, found through discovery; which of the fields this
file writes they read comes from the index (``ctx.reads["fields_read"]``; when the store
names its type, ``fields_read_typed`` tells a read by that type's methods on their
receiver from a read by another type's). A field that is only ever assigned is a leak. A package variable declared in this file is judged the
same way: this file's own mentions are read from its tree, the other files' from the
index (``ctx.reads["names_read"]``).
"""

from __future__ import annotations

from ... import members
from ...catalogue import acquisitions_of
from ...languages import matches
from ...languages.spelled import spelled
from ...languages.go_syntax import enclosing_function, is_literal_key, own_of_type, receiver_of, root_context_parent
from ...tracks import pattern_matches

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "field")


def check(ctx, rule) -> None:
    patterns = acquisitions_of(rule, "LL301")
    if not patterns:
        return
    root = ctx.tree.root_node
    read = ctx.reads.get("fields_read", "unknown")
    names = ctx.reads.get("names_read", "unknown")
    typed = ctx.reads.get("fields_read_typed", "unknown")
    variables = package_variables(root)
    for target, node, call in _stored_cancels(root, patterns, variables):
        if target in variables:
            # unknown: someone may call it
            used = names == "unknown" or target in names or _read_here(root, target)
            where = f"package variable {target}"
        else:
            used = members.released(_field_facts(_owner_type(node), read, typed), target)
            where = f"field {target}"
        ctx.count(rule.code, node, ok=used)
        if not used:
            root_parent = root_context_parent(call)
            if root_parent:
                # nothing registers with such a parent and a timeout frees itself at its
                # deadline: what is lost is the early stop, worth a note, not a leak
                ctx.emit(rule, node, rule.message.format(field=where, call=_callee(call))
                         + f" (derived straight from {root_parent}: nothing is registered"
                           " with that parent, so the context is only lost, not leaked)",
                         related=[(call, "the context is derived here")], severity="note")
                continue
            ctx.emit(rule, node, rule.message.format(field=where, call=_callee(call)),
                     related=[(call, "the context is derived here")])


def _field_facts(owner: str, read, typed) -> members.ClassFacts:
    """The package's reads of struct fields as member facts of the type ``owner`` (the
    store's type, "" when the code does not say it): a read may call the cancel func,
    so it counts as handing it on. A read on a receiver of T counts for T's fields only,
    any other read for every type's; "unknown" reads (a package not indexed) may be
    anything."""
    if owner and isinstance(typed, dict):
        fields = set(typed["other"]) | {f.split(".", 1)[1] for f in typed["via"]
                                        if f.startswith(owner + ".")}
    elif read == "unknown":
        return members.ClassFacts(owner, opaque=True)
    else:
        fields = set(read)
    return members.ClassFacts(owner, uses=[members.FieldUse(f, members.HANDOFF)
                                           for f in sorted(fields)])


def _owner_type(node) -> str:
    """The type whose field the store writes, when the code says it: `T{f: ...}` /
    `&T{f: ...}`, or `r.f = ...` on the receiver of a method of T; "" otherwise."""
    if node.type == "selector_expression":
        operand = node.child_by_field_name("operand")
        return receiver_of(node, operand.text.decode()) if operand is not None \
            and operand.type == "identifier" else ""
    literal = node.parent.parent if node.parent is not None else None
    if literal is None or literal.type != "composite_literal":
        return ""
    typ = literal.child_by_field_name("type")
    if typ is not None and typ.type == "generic_type":
        typ = typ.child_by_field_name("type")
    return typ.text.decode() if typ is not None and typ.type == "type_identifier" else ""


def package_variables(root) -> set:
    """Names of the file's package-level variables."""
    found = set()
    for decl in root.named_children:
        if decl.type != "var_declaration":
            continue
        for spec in decl.named_children:
            for s in (spec.named_children if spec.type == "var_spec_list" else [spec]):
                if s.type == "var_spec":
                    found.update(n.text.decode() for n in s.children_by_field_name("name"))
    return found


def _read_here(root, name: str) -> bool:
    """Does this file read the package variable ``name`` anywhere (a call, a copy, a
    comparison...): any mention that is neither its declaration, a store into it, nor a
    local of the same name?"""
    for node in spelled(root, (name,)):
        p = node.parent
        if p is not None and p.type == "var_spec":
            continue
        if p is not None and p.type == "expression_list" and p.parent is not None \
                and p.parent.type == "assignment_statement" and p.parent.child_by_field_name("left") == p:
            continue
        fn = enclosing_function(node)
        while fn is not None and not _declares(fn, name):
            fn = enclosing_function(fn)
        if fn is None:  # not a local of the same name
            return True
    return False


def _callee(call) -> str:
    fn = call.child_by_field_name("function")
    return fn.text.decode() if fn is not None else "?"


def _stored_cancels(root, patterns, variables):
    """(field or variable name, node storing it, deriving call) for every cancel func of
    a derived context stored in a field or a package variable (one of ``variables``):
    `ctx, s.cancel = context.WithCancel(...)`, `s.cancel = cancel`, `&T{cancel: cancel}`,
    `stop = cancel`."""
    q = " ".join("(%s left: (expression_list . (_) . (_) @c .)"
                 " right: (expression_list . (call_expression) @call .)) @assign" % t
                 for t in ("short_var_declaration", "assignment_statement"))
    for _, caps in matches("go", q, root):
        assign, call, target = caps["assign"][0], caps["call"][0], caps["c"][0]
        if not any(pattern_matches(p, _callee(call)) for p in patterns):
            continue
        if target.type == "selector_expression":
            yield target.child_by_field_name("field").text.decode(), target, call
        elif target.type == "identifier" and target.text != b"_":
            fn = enclosing_function(assign)
            name = target.text.decode()
            if fn is None:
                continue
            if assign.type == "assignment_statement" and name in variables and not _declares(fn, name):
                # derived straight into a package variable: like go vet, take the package's
                # other uses of it on trust (only a copy of a local into one is judged)
                continue
            yield from _fields_given(fn, name, assign, call, variables)


def _declares(fn, name: str) -> bool:
    """Does the function declare a local (or parameter) ``name``, hiding the package's?"""
    for _, caps in matches("go", "[(short_var_declaration left: (expression_list (identifier) @n))"
                                 " (var_spec name: (identifier) @n) (parameter_declaration name: (identifier) @n)"
                                 " (range_clause left: (expression_list (identifier) @n))]", fn):
        if caps["n"][0].text.decode() == name:
            return True
    return False


def _fields_given(fn, name: str, after, call, variables):
    """Fields that the local cancel func ``name`` is stored in after ``after``; none when
    the local is also used some other way (called, deferred, passed on): then the field
    is not the only way to cancel."""
    stores = list(_stores(fn, name, after, call, variables))
    mentions = [n for n in spelled(fn, (name,))
                if n.start_byte >= after.end_byte and not is_literal_key(n)]
    if len(mentions) > len(stores):
        return
    yield from stores


def _stores(fn, name: str, after, call, variables):
    for node in own_of_type(fn, ("assignment_statement", "keyed_element")):
        if node.start_byte < after.end_byte:
            continue
        if node.type == "assignment_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            lhs, rhs = left.named_children, right.named_children
            for i, value in enumerate(rhs):
                if value.type != "identifier" or value.text.decode() != name or i >= len(lhs):
                    continue
                if lhs[i].type == "selector_expression":
                    yield lhs[i].child_by_field_name("field").text.decode(), lhs[i], call
                elif lhs[i].type == "identifier" and lhs[i].text.decode() in variables \
                        and not _declares(fn, lhs[i].text.decode()):
                    yield lhs[i].text.decode(), lhs[i], call
        elif node.type == "keyed_element":
            kids = node.named_children
            if len(kids) == 2 and kids[1].text.decode() == name:
                key = kids[0]
                while key.named_children and key.type != "field_identifier":
                    key = key.named_children[0]
                yield key.text.decode(), node, call
