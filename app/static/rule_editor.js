// The rule editor's live count: as the supervisor edits, ask the server how many current cases
// the rule (as edited, not saved) would match. POST with the CSRF token in the X-CSRFToken header.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  var out = document.getElementById("match-count");
  if (!form || !out) return;
  var url = form.getAttribute("data-check-url");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  var sequence = 0;

  function values() {
    // Read-only pages disable their fields, which FormData(form) would leave out.
    var data = new FormData();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.name === "csrf_token") return;
      if (el.type === "checkbox") { if (el.checked) data.append(el.name, "y"); return; }
      data.append(el.name, el.value);
    });
    data.append("department", form.getAttribute("data-department"));
    data.append("rule_id", form.getAttribute("data-rule-id"));
    return data;
  }

  function check() {
    var mine = ++sequence;
    out.textContent = "…";
    fetch(url, {
      method: "POST", credentials: "same-origin", body: values(),
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
    })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        if (mine !== sequence) return;  // a newer check is on its way
        var ok = result[0], body = result[1];
        if (!ok) { out.textContent = out.getAttribute("data-invalid"); return; }
        out.textContent = body.matches === null ? out.getAttribute("data-none") : String(body.matches);
      })
      .catch(function () { if (mine === sequence) out.textContent = "—"; });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  check();
})();
