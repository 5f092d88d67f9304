"""The atoms of an answer: names with scripts and accents, calls, matrices and environments.

A part of :class:`~derive.check.read.emitter.Emitter` (a base class, so the grammar reads
in two files of one idea each)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.check.read.config import ParseError
from derive.check.read.names import (
    ACCENTS,
    FUNCTION_CMDS,
    MATRIX_ENVS,
    PLAIN_WORDS,
    Function,
    plain_number,
)
from derive.check.read.ones import BOLD, bold_one
from derive.check.read.token_groups import (
    match,
    render,
    split_top,
)
from derive.check.read.tokens import (
    CMD,
    GREEK,
    NAME,
    NUM,
    OP,
    Token,
)


class Atoms:
    """Reading one atom at the emitter's position (mixed into the Emitter)."""

    def environment(self) -> Any:
        name_toks = self.take_arg()
        name = "".join(t.text for t in name_toks)
        if name not in MATRIX_ENVS:
            raise ParseError(f"the environment '{name}' cannot be marked")
        if name == "array" and self.is_op(self.peek(), "{"):
            self.take_group()  # column spec: {|c|c|}
        depth, start = 1, self.pos
        while self.pos < len(self.toks):
            t = self.toks[self.pos]
            if t.kind == CMD and t.text == r"\begin":
                depth += 1
            elif t.kind == CMD and t.text == r"\end":
                depth -= 1
                if depth == 0:
                    break
            self.pos += 1
        else:
            raise ParseError(f"'\\begin{{{name}}}' without its '\\end{{{name}}}'")
        body = self.toks[start:self.pos]
        self.pos += 1
        self.take_arg()  # {name} of \end
        return self.r.matrix(body)

    # ------------------------------------------------------------ names and calls
    def plain_word(self) -> str | None:
        """A function word typed without a command (``softmax(``), if one starts here."""
        letters = ""
        i = self.pos
        while i < len(self.toks) and self.toks[i].kind == NAME and len(letters) < 8:
            letters += self.toks[i].text
            i += 1
        for w in PLAIN_WORDS:
            if letters.lower().startswith(w) and len(letters) >= len(w):
                nxt = self.peek(len(w))
                if self.is_op(nxt, "(") and w in self.r.functions \
                        and not self.r.known(letters[:len(w)]):
                    return w
        return None

    def base(self) -> tuple[str, bool]:
        """The base of a name at pos: (key, written as a command word)."""
        t = self.toks[self.pos]
        if t.kind == NAME:
            w = self.plain_word()
            if w:
                self.pos += len(w)
                return w, True
            self.pos += 1
            return t.text, False
        self.pos += 1
        if t.text in FUNCTION_CMDS:
            return t.text[1:], True
        if t.text[1:] in GREEK:
            return t.text[1:], False
        arg = self.take_arg()
        words = [a for a in arg if not (a.kind == OP and a.text in "{}")]
        if t.text in ACCENTS:
            inner = "".join(a.text.lstrip("\\") for a in words)
            if not inner.isalnum():
                raise ParseError(f"'{t.text}{{{render(arg)}}}' is not understood")
            return f"{ACCENTS[t.text]}({inner})", False
        if t.text == r"\mathbb" and render(arg) != "1":
            raise ParseError(f"'\\mathbb{{{render(arg)}}}' is not understood (\\mathbb{{1}} "
                             "is read: a vector of ones or an indicator)")
        if all(a.kind in (NAME, NUM) for a in words) and words:
            word = "".join(a.text for a in words)
            if len(words) == 1 and words[0].kind == NAME:
                return word, False
            if word == "1" and t.text in BOLD:
                return "1", False

            return word, True
        if len(words) == 1 and words[0].kind == CMD and words[0].text[1:] in GREEK:
            return words[0].text[1:], False
        raise ParseError(f"'{t.text}{{{render(arg)}}}' is not understood")

    def function_of(self, key: str, word: bool) -> Function | None:
        if self.r.known(key):
            return None
        if key in self.r.functions:
            return self.r.functions[key]
        if word and key.lower() in self.r.functions:
            return self.r.functions[key.lower()]
        return None

    def atom(self) -> None:
        start_pos = self.pos
        key, word = self.base()
        if key == "1" and self.toks[start_pos].kind == CMD and bold_one(self):
            return
        if key == "1":
            self.units.append((len(self.parts), "num", "1"))
            self.parts.append("1")
            return
        if word and not self.function_of(key, True) and len(key) > 1:
            if self.toks[start_pos].text in (r"\text", r"\textrm", r"\textit", r"\textbf") \
                    and not self.r.known(key):
                raise ParseError(f"the text '{key}' cannot be marked")
        sub = ""
        sub_tokens: list[Token] = []
        if self.is_op(self.peek(), "_"):
            self.pos += 1
            sub_tokens = self.take_arg()
            sub = self.sub_text(sub_tokens)
        full = key + (f"_{sub}" if sub else "")
        fn = self.function_of(full, word) or (self.function_of(key, word)
                                              if key in ("log", "ln", "lg") else None)
        if fn is not None and not word and not sub and len(key) == 1 and not fn.operator \
                and not isinstance(self.r.resolve(key, "", ""), sp.Symbol) \
                and not self.call_follows():
            # a problem's one-letter function without its brackets is the letter's own
            # value: e^{z} where the problem defines e(z) (ELU) is Euler's e, as derive
            # itself writes it (a letter without one, f, still needs its brackets)
            fn = None
        if fn is not None:
            log_base = None
            if key in ("log", "lg") and sub:
                log_base = self.r.expr(sub_tokens)
            elif key == "lg":
                log_base = sp.Integer(10)
            self.call_at(fn, log_base, render(self.toks[start_pos:self.pos]))
            return
        sup = ""
        if self.is_op(self.peek(), "^") and self.r.cfg.closed and key not in ("e",):
            save, saved_toks = self.pos, list(self.toks)
            self.pos += 1
            script = self.take_arg()
            word_sup = self.name_superscript(key, script)
            if word_sup:
                sup = word_sup
                if not sub and self.is_op(self.peek(), "_"):
                    self.pos += 1
                    sub_tokens = self.take_arg()
                    sub = self.sub_text(sub_tokens)
            else:
                self.pos, self.toks = save, saved_toks
        value = self.r.resolve(key, sub, sup)
        if isinstance(value, sp.Symbol) and self.is_op(self.peek(), "(") and not sup:
            known = self.r.known(full) or (value is self.r.lookup(key))
            if not known and (key in GREEK or word or (sub and self.r.cfg.closed
                                                       and not self.r._is_index(sub))):
                shown = ("\\" if key in GREEK else "") + full
                raise ParseError(
                    f"'{shown}(…)' reads as a call, but {shown} is neither a function nor a "
                    "variable of this problem" + (" (the sigmoid is \\sigma)"
                                                  if key == "delta" else ""))
        if self.is_op(self.peek(), "(") and self.names_only_call(full, key):
            self.take_group()
        elif self.is_op(self.peek(), "^") and not sup:
            # f^2(x): the square of the name f(x)
            save, saved_toks = self.pos, list(self.toks)
            self.pos += 1
            power = self.take_arg()
            if self.is_op(self.peek(), "(") and not self.is_transpose(power) \
                    and self.names_only_call(full, key):
                self.take_group()
                self.emit_value(value)
                self.parts[-1] += "^{" + self.exponent(power) + "}"
                return
            self.pos, self.toks = save, saved_toks
        if key in GREEK and key in self.r.functions and value == sp.Symbol(full, real=True) \
                and not self.r.known(full):
            raise ParseError(f"'\\{key}' needs its argument in brackets: \\{key}(…)")
        self.emit_value(value)

    def name_superscript(self, key: str, script: list[Token]) -> str:
        """The superscript as part of a name (``w^c``, ``W^{(1)}``), or '' for a power."""
        core = [t for t in script if not self.is_op(t, "{", "}")]
        if self.is_transpose(script) or not core:
            return ""
        if all(t.kind == NAME for t in core):
            text = "".join(t.text for t in core)
            if self.r.known(f"{key}_{text}") or not self.r.known(text):
                return text  # w^c names w_c even when c is a name itself
            return ""
        if len(core) == 3 and self.is_op(core[0], "(") and self.is_op(core[2], ")") \
                and core[1].kind in (NAME, NUM):
            return core[1].text
        return ""

    def names_only_call(self, full: str, key: str) -> bool:
        """``o(x)``, ``f(x)``, ``c_i(x)``: an intermediate name or a function of the
        problem written with its variables in brackets is just the name."""
        cfg = self.r.cfg
        named = full in cfg.names or key in cfg.names or (
            key in self.r.functions and self.r.known(key))
        if not named:
            return False
        own = set()  # the variables of the name's own definition
        fn = self.r.functions.get(key)
        if fn is not None and isinstance(fn.apply, sp.Lambda):
            own |= {str(v) for v in fn.apply.variables}
        for n in (full, key):
            if isinstance(cfg.names.get(n), sp.Basic):
                own |= {str(v) for v in cfg.names[n].free_symbols}
        end = match(self.toks, self.pos)
        inner = self.toks[self.pos + 1:end]
        items = split_top(inner, {","})
        for it in items:
            if len(it) == 0 or not all(t.kind in (NAME, NUM) or self.is_op(t, "_", "{", "}")
                                       for t in it):
                return False
            if it[0].kind != NAME:
                return False
            em = type(self)(self.r, list(it))  # an Emitter: Atoms is its base
            k, _ = em.base()
            s = ""
            if em.is_op(em.peek(), "_"):
                em.pos += 1
                s = em.sub_text(em.take_arg())
            if em.pos != len(it):
                return False
            written = k + (f"_{s}" if s else "")
            if written in cfg.names or not (
                    isinstance(self.r.lookup(written), sp.Symbol) or written in own):
                return False
        return True

    def call_follows(self) -> bool:
        """Does a bracketed argument follow at pos, after primes and one power?"""
        i = self.pos
        while i < len(self.toks):
            if self.is_op(self.toks[i], "'"):
                i += 1
            elif self.is_op(self.toks[i], "^"):
                i = match(self.toks, i + 1) + 1 if i + 1 < len(self.toks) \
                    and self.is_op(self.toks[i + 1], "{") else i + 2
            else:
                break
        return i < len(self.toks) and self.is_op(self.toks[i], "(", "[", "{")

    def call_at(self, fn: Function, log_base: Any, shown: str) -> None:
        power: list[Token] | None = None
        primes = 0
        while True:
            if self.is_op(self.peek(), "'"):
                primes += 1
                self.pos += 1
            elif self.is_op(self.peek(), "^"):
                self.pos += 1
                script = self.take_arg()
                core = [t for t in script if not self.is_op(t, "{", "}")]
                if core and all(self.is_op(t, "'") for t in core):
                    primes += len(core)
                elif power is None:
                    if plain_number([t for t in core]) == -1:
                        raise ParseError(f"{shown}^{{-1}} is ambiguous (the inverse function or "
                                         f"1/{shown}): write \\frac{{1}}{{…}} or the inverse's "
                                         "name")
                    power = script
                else:
                    raise ParseError(f"two powers on {shown}")
            else:
                break
        if self.is_op(self.peek(), "(", "[", "{"):  # SymPy prints \tanh{\left(x \right)}
            inner = self.take_group()
            if not inner:
                raise ParseError(f"{shown}() has no argument")
            args = [self.r.expr(a) for a in split_top(inner, {","})]
        elif fn.operator:
            arg = self.bare_argument()
            if not arg:
                raise ParseError(f"{shown} needs an argument")
            args = [self.r.expr(arg)]
        else:
            raise ParseError(f"{shown} needs its argument in brackets: {shown}(…)")
        self.emit_value(self.r.call(fn, args, primes, log_base))
        if power is not None:
            if self.is_transpose(power):
                self.superscript(power)
            else:
                self.parts[-1] += "^{" + self.exponent(power) + "}"

    def bare_call(self) -> bool:
        """A function with its bracketed argument at pos (``\\sigma(0.8)``, ``\\exp(-z)``,
        ``\\sigma'(z)``); moves past it and says True, else stays."""
        t = self.toks[self.pos]
        if t.kind != CMD or not (t.text in FUNCTION_CMDS or t.text[1:] in self.r.functions):
            return False
        i = self.pos + 1
        while i < len(self.toks) and (self.is_op(self.toks[i], "'") or (
                self.is_op(self.toks[i], "^") and i + 1 < len(self.toks)
                and self.is_op(self.toks[i + 1], "'"))):
            i += 1
        if i >= len(self.toks) or not self.is_op(self.toks[i], "("):
            return False
        self.pos = match(self.toks, i) + 1
        return True

    def bare_argument(self) -> list[Token]:
        """``\\tanh 2x``: numbers and names (with their scripts) up to anything else."""
        start = self.pos
        while self.pos < len(self.toks):
            t = self.toks[self.pos]
            if t.kind == NUM or t.kind == NAME or (t.kind == CMD and t.text[1:] in GREEK
                                                   and t.text[1:] not in self.r.functions):
                self.pos += 1
                while self.is_op(self.peek(), "_", "^"):
                    self.pos += 1
                    self.take_arg()
            elif t.kind == CMD and (t.text in ACCENTS or t.text in (r"\mathbf", r"\vec",
                                                                    r"\bm", r"\boldsymbol")):
                self.pos += 1  # \log \hat y: an accented name
                self.take_arg()
                while self.is_op(self.peek(), "_", "^"):
                    self.pos += 1
                    self.take_arg()
            elif self.pos == start and self.bare_call():
                break  # \ln \sigma(0.8): the argument is a call, brackets and all
            elif t.kind == CMD and t.text in (r"\frac",) and self.pos == start:
                self.pos += 1
                self.take_arg()
                self.take_arg()
                break
            else:
                break
        return self.toks[start:self.pos]
