"""What the review pages say when a text cannot be approved or its placeholders differ."""

from __future__ import annotations

from bot.services.approvals import ApprovalRefused, PlaceholderCheck
from bot.web.ui_i18n import gettext as _


def problems(check: PlaceholderCheck) -> list[str]:
    """Each way the translation's placeholders differ from the Swedish text's."""
    said = []
    if check.missing:
        said.append(_("Översättningen saknar %(names)s.", names=", ".join(check.missing)))
    if check.invented:
        said.append(_("Översättningen har %(names)s, som inte finns i den svenska texten.",
                      names=", ".join(check.invented)))
    if check.stray_brace:
        said.append(_("Översättningen har en ensam { eller } utanför en platshållare."))
    if check.newlines:
        said.append(_("Börja och sluta med en radbrytning precis där den svenska texten "
                      "gör det."))
    return said


def warning(check: PlaceholderCheck) -> str:
    """Shown after saving a draft whose placeholders differ."""
    return " ".join([*problems(check), _("Texten kan inte godkännas förrän platshållarna "
                                         "är desamma som i den svenska texten.")])


def refusal(refused: ApprovalRefused) -> str:
    """Why an approval or a send-back was refused, in the staff member's language."""
    if refused.check is not None:
        return " ".join([_("Kan inte godkännas: platshållarna måste vara desamma som i den "
                           "svenska texten."), *problems(refused.check)])
    return {
        "source_changed": _("Den svenska texten har ändrats sedan sidan visades. Läs den "
                            "nya texten och godkänn igen."),
        "empty": _("Det finns ingen översättning att godkänna."),
        "no_comment": _("Skriv en kommentar som säger vad som behöver ändras."),
        "nothing_to_send_back": _("Det finns ingen översättning att skicka tillbaka."),
    }.get(refused.reason, refused.reason)
