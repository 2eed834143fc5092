// The SMS template editor's live counts: on every edit of a text, ask the server's `preview`
// (the same function that fills the panel on a server render) for characters, encoding,
// segments, cost, the rendered text and the validation errors. CSRF token in X-CSRFToken.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) return;
  var url = form.getAttribute("data-preview-url");
  var department = form.getAttribute("data-department");
  var token = form.querySelector("input[name=csrf_token]");

  function show(panel, result) {
    ["chars", "encoding_label", "segments", "cost", "text"].forEach(function (name) {
      var el = panel.querySelector('[data-field="' + name + '"]');
      if (el) el.textContent = String(result[name]);
    });
    var list = panel.querySelector('[data-field="errors"]');
    while (list.firstChild) list.removeChild(list.firstChild);
    (result.errors || []).forEach(function (message) {
      var li = document.createElement("li");
      li.textContent = message;
      list.appendChild(li);
    });
  }

  function watch(area) {
    var lang = area.getAttribute("data-preview-language");
    var panel = document.getElementById("preview-" + lang);
    var timer = null;
    var sequence = 0;
    function update() {
      var mine = ++sequence;
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ body: area.value, language: lang, department: department })
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (result && mine === sequence) show(panel, result); })
        .catch(function () { /* the server-side panel stays as it was */ });
    }
    // Composition (Japanese input methods) fires input events too: count as the person types.
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-preview-language]"), watch);
})();
