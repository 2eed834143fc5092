// The import page's progress bar: poll GET /api/v1/imports/<id> (session cookie; a GET needs
// no CSRF token) while the import is queued or running, then reload to show the error table.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") return;
  var url = box.getAttribute("data-status-url");
  var label = document.getElementById("import-status");
  var labels = JSON.parse(label.getAttribute("data-labels") || "{}");
  var bar = document.getElementById("import-bar");
  var imported = document.getElementById("import-imported");
  var total = document.getElementById("import-total");

  function linesWithErrors(errors) {
    var seen = {};
    var n = 0;
    errors.forEach(function (e) { if (!seen[e.line]) { seen[e.line] = true; n += 1; } });
    return n;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        label.textContent = labels[job.status] || job.status;
        bar.max = Math.max(job.total, 1);
        bar.value = job.imported + linesWithErrors(job.errors || []);
        imported.textContent = job.imported;
        total.textContent = job.total;
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
