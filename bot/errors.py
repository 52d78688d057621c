"""Errors whose message is meant for the person who ran the command."""

from __future__ import annotations

from collections.abc import Callable, Sequence


class UserError(Exception):
    """Something the user can fix; `str(exc)` is shown to them as is."""

    def show(self, escape: Callable[[str], str]) -> str:
        """The message for Discord, with any names it quotes passed through `escape`."""
        return str(self)


class UnknownNameError(UserError):
    """A name that matches nothing: the typed text, quoted into `template` at "{}", and,
    if any are close, the real names it might have meant (else `fallback`, a hint)."""

    def __init__(
        self, template: str, typed: str, suggestions: Sequence[str] = (), fallback: str = ""
    ) -> None:
        self.template, self.typed = template, typed
        self.suggestions, self.fallback = list(suggestions), fallback
        super().__init__(self.show(lambda s: s))

    def show(self, escape: Callable[[str], str]) -> str:
        head = self.template.replace("{}", f"“{escape(self.typed)}”")
        if self.suggestions:
            return f"{head}; did you mean: {', '.join(escape(s) for s in self.suggestions)}?"
        return f"{head}. {self.fallback}".rstrip()


class AlreadyStoredError(UserError):
    """An upload that is the same work as a story already in the library."""

    def __init__(self, title: str, where: str, why: str = "") -> None:
        self.title, self.where, self.why = title, where, why
        super().__init__(self.show(lambda s: s))

    def show(self, escape: Callable[[str], str]) -> str:
        why = f" ({self.why})" if self.why else ""
        return f"That is already in {self.where} as “{escape(self.title)}”{why}."
