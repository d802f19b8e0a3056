"""Lowering of Go function bodies into the IR the lifecycle engine interprets."""

from __future__ import annotations

from .. import ir
from . import matches
from .go_syntax import (body_statements, callee_text, enclosing_function, function_name,
                        is_noreturn, local_values, strip_parens, text)


class GoLowering:
    """The lowering half of ``GoAdapter``: ``lower(fn)`` and what it needs (the adapter
    provides ``root``, ``_lowered`` and ``_program_ends``)."""

    def lower(self, fn):
        key = (fn.start_byte, fn.end_byte)
        hit = self._lowered.get(key)
        if hit is None:
            blocks = {}
            body = fn.child_by_field_name("body")
            # returning from main ends the program: nothing is left to leak
            self._program_ends = self._is_main(fn)
            if body is None:
                hit = (ir.Block([], fn), fn, blocks)
            else:
                block = self._block(body, blocks, 0)
                if self._program_ends:
                    block.stmts.append(ir.Exit(body, "noreturn"))
                hit = (block, body, blocks)
            self._program_ends = False
            self._lowered[key] = hit
        return hit

    def _runs_once(self, head, loop) -> bool:
        """A range over a non-empty literal, directly or through a variable the function
        sets to one (the table-driven test): the body runs at least once."""
        if head.type != "range_clause":
            return False
        value = head.child_by_field_name("right")
        if value is not None and value.type == "identifier":
            value = self._literal_of(value.text.decode(), loop)
        if value is None or value.type != "composite_literal":
            return False
        body = value.child_by_field_name("body")
        return body is not None and any(c.type in ("literal_element", "keyed_element")
                                        for c in body.named_children)

    def _never_closed(self, head, loop) -> bool:
        """A range over a ticker's channel (`time.Tick(d)`, `time.NewTicker(d).C`, `t.C` or
        a local only ever set to one of them): nothing closes it (Stop does not), so the
        loop ends only through a break, a return or a panic."""
        if head.type != "range_clause":
            return False
        value = head.child_by_field_name("right")
        return value is not None and self._ticks(value, enclosing_function(loop), 0)

    def _ticks(self, expr, fn, depth: int) -> bool:
        expr = strip_parens(expr)
        if expr.type == "call_expression":
            return callee_text(expr) == "time.Tick"
        if expr.type == "selector_expression":
            field = expr.child_by_field_name("field")
            operand = strip_parens(expr.child_by_field_name("operand"))
            if field is None or text(field) != "C":
                return False
            if operand.type == "call_expression":
                return callee_text(operand) == "time.NewTicker"
            return operand.type == "identifier" and depth < 2 and fn is not None \
                and self._only_set_to(operand, fn, lambda v: v.type == "call_expression"
                                      and callee_text(v) == "time.NewTicker")
        if expr.type == "identifier" and depth < 2 and fn is not None:
            return self._only_set_to(expr, fn, lambda v: self._ticks(v, fn, depth + 1))
        return False

    @staticmethod
    def _only_set_to(name, fn, test) -> bool:
        values = local_values(fn, text(name))
        return bool(values) and all(v is not None and test(v) for v in values)

    def _literal_of(self, name: str, loop):
        """The composite literal that the only `name :=` before ``loop`` assigns."""
        fn = enclosing_function(loop)
        found = None
        for _, caps in matches("go", "(short_var_declaration left: (expression_list . (identifier) @n .)"
                                     " right: (expression_list . (_) @v .)) @d", fn):
            if caps["n"][0].text.decode() != name:
                continue
            if found is not None or caps["d"][0].start_byte > loop.start_byte:
                return None
            found = caps["v"][0]
        return found

    def _is_main(self, fn) -> bool:
        if fn.type != "function_declaration" or function_name(fn) != "main":
            return False
        pkg = next((c for c in self.root.named_children if c.type == "package_clause"), None)
        return pkg is not None and pkg.named_children and pkg.named_children[0].text == b"main"

    def _block(self, node, blocks, depth, extra_first=()):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        stmts = list(extra_first)
        for s in body_statements(node):
            stmts.append(self._stmt(s, blocks, depth + 1))
        block = ir.Block(stmts, node)
        blocks[(node.start_byte, node.end_byte)] = block
        return block

    def _stmt(self, s, blocks, depth, label=None):
        t = s.type
        if t == "block":
            return self._block(s, blocks, depth)
        if t == "labeled_statement":
            lbl = s.child_by_field_name("label")
            inner = [c for c in s.named_children if c.type != "label_name"]
            if not inner:
                return ir.Block([], s)
            return self._stmt(inner[0], blocks, depth, lbl.text.decode() if lbl else None)
        if t == "if_statement":
            return self._if(s, blocks, depth)
        if t == "for_statement":
            body = s.child_by_field_name("body")
            clause = [c for c in s.named_children if c != body and c.type != "comment"]
            infinite = not clause or (clause[0].type == "for_clause"
                                      and clause[0].child_by_field_name("condition") is None) \
                or self._never_closed(clause[0], s)
            head = clause[0] if clause else None
            loop = ir.Loop(s, self._block(body, blocks, depth), infinite, label, head,
                           runs=head is not None and self._runs_once(head, s))
            return loop
        if t == "expression_switch_statement" and s.child_by_field_name("value") is None:
            chain = self._tagless_switch(s, blocks, depth, label)
            if chain is not None:
                return chain
        if t in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            cases, has_default, falls = [], False, []
            prefix = []
            init = s.child_by_field_name("initializer")
            if init is not None:
                prefix.append(ir.Leaf(init))
            value = s.child_by_field_name("value")
            if value is not None:
                prefix.append(ir.Leaf(value, "cond"))
            for c in s.named_children:
                if c.type in ("expression_case", "type_case", "communication_case", "default_case"):
                    has_default |= c.type == "default_case"
                    head = []
                    comm = c.child_by_field_name("communication")
                    if comm is not None:
                        head.append(ir.Leaf(comm))
                    case_block = ir.Block(head + [self._stmt(x, blocks, depth + 1)
                                                  for x in self._case_statements(c)], c)
                    falls.append(any(x.type == "fallthrough_statement"
                                     for x in self._case_statements(c)[-1:]))
                    cases.append(case_block)
            for i in range(len(cases) - 2, -1, -1):  # `fallthrough` runs the next case too
                if falls[i]:
                    cases[i].stmts = cases[i].stmts + cases[i + 1].stmts
            exhaustive = has_default or t == "select_statement"
            branch = ir.Branch(s, cases, exhaustive, True, label)
            if prefix:
                block = ir.Block(prefix + [branch], s)
                blocks[(s.start_byte, s.end_byte)] = block
                return block
            return branch
        if t == "return_statement":
            return ir.Exit(s, "noreturn" if self._program_ends else "return")
        if t == "break_statement":
            return ir.Exit(s, "break", self._label(s))
        if t == "continue_statement":
            return ir.Exit(s, "continue", self._label(s))
        if t == "goto_statement":
            return ir.Exit(s, "goto")
        if t == "expression_statement":
            inner = s.named_children[0] if s.named_children else None
            if inner is not None and inner.type == "call_expression" and is_noreturn(inner):
                return ir.Exit(s, "noreturn")
        if t == "defer_statement":
            return ir.Leaf(s, "defer")
        return ir.Leaf(s)

    def _tagless_switch(self, s, blocks, depth, label):
        """`switch { case c1: A; case c2: B; default: C }` is `if c1 {A} else if c2 {B}
        else {C}`: each case's condition guards its arm as an `if`'s would
        (`case errors.Is(err, os.ErrNotExist):` is a path with no handle). Wrapped in a
        one-arm branch, so a `break` in a case still leaves the switch. None when a case
        falls through (the arms are not exclusive) or the switch has an initializer."""
        cases = [c for c in s.named_children if c.type in ("expression_case", "default_case")]
        if s.child_by_field_name("initializer") is not None or any(
                x.type == "fallthrough_statement"
                for c in cases for x in self._case_statements(c)[-1:]):
            return None
        arms, default = [], None
        for c in cases:
            body = ir.Block([self._stmt(x, blocks, depth + 1) for x in self._case_statements(c)],
                            c)
            if c.type == "default_case":
                default = body
                continue
            values = c.child_by_field_name("value")
            conds = values.named_children if values is not None else []
            arms.append((conds[0] if len(conds) == 1 else values, body))
        chain = default
        for cond, body in reversed(arms):
            chain = ir.Block([ir.If(cond, body, chain)], body.node)
        return ir.Branch(s, [chain or ir.Block([], s)], True, True, label)

    def _case_statements(self, case):
        out = []
        for c in case.named_children:
            if c.type == "statement_list":
                out.extend(c.named_children)
        return out

    def _label(self, s):
        lbl = [c for c in s.named_children if c.type == "label_name"]
        return lbl[0].text.decode() if lbl else None

    def _if(self, s, blocks, depth):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        cond = s.child_by_field_name("condition")
        then = self._block(s.child_by_field_name("consequence"), blocks, depth)
        alt = s.child_by_field_name("alternative")
        orelse = None
        if alt is not None:
            orelse = (self._block(alt, blocks, depth) if alt.type == "block"
                      else ir.Block([self._if(alt, blocks, depth + 1)], alt))
        node = ir.If(cond, then, orelse)
        init = s.child_by_field_name("initializer")
        if init is None:
            return node
        block = ir.Block([ir.Leaf(init), node], s)
        blocks[(s.start_byte, s.end_byte)] = block
        return block
