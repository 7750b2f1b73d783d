/* Interpreters' flow page: while typing, say how long this text is, its SMS encoding and
   which {placeholders} differ from the Swedish text. The server counts the whole SMS
   against its budget when the text is saved; this is only a hint. Works without it. */
(function () {
  "use strict";
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "\f^{}\\[~]|€";

  function measure(text) {
    var gsm = true, septets = 0, units = 0;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (EXTENDED.indexOf(ch) >= 0) { septets += 2; }
      else if (GSM.indexOf(ch) >= 0) { septets += 1; }
      else { gsm = false; }
      units += 1;  // UTF-16 code units, as UCS-2 counts them
    }
    return gsm ? { encoding: "GSM-7", length: septets } : { encoding: "UCS-2", length: units };
  }

  function names(text) {
    var found = [], re = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g, m;
    while ((m = re.exec(text)) !== null) {
      if (found.indexOf(m[1]) < 0) { found.push(m[1]); }
    }
    return found;
  }

  function update(area, live) {
    var text = area.value, size = measure(text);
    var want = (area.getAttribute("data-placeholders") || "").split(" ").filter(Boolean);
    var got = names(text);
    var missing = want.filter(function (n) { return got.indexOf(n) < 0; });
    var extra = got.filter(function (n) { return want.indexOf(n) < 0; });
    var say = live.getAttribute("data-size").replace("%(length)s", size.length)
      .replace("%(encoding)s", size.encoding);
    if (text && missing.length) {
      say += " " + live.getAttribute("data-missing").replace("%(names)s",
        missing.map(function (n) { return "{" + n + "}"; }).join(", "));
    }
    if (extra.length) {
      say += " " + live.getAttribute("data-extra").replace("%(names)s",
        extra.map(function (n) { return "{" + n + "}"; }).join(", "));
    }
    live.textContent = say;
    live.hidden = false;
  }

  document.querySelectorAll("textarea[data-placeholders]").forEach(function (area) {
    var live = area.form && area.form.querySelector(".live");
    if (!live) { return; }
    area.addEventListener("input", function () { update(area, live); });
  });
})();
