// The promise form on the case screen: "+ Add an instalment" adds a row (amount and date) for
// an instalment plan. Without JavaScript the form still records a single promise.
(function () {
  "use strict";
  var form = document.getElementById("promise-form");
  if (!form) return;
  var body = document.getElementById("promise-rows");
  var add = document.getElementById("promise-add-row");
  var max = parseInt(form.getAttribute("data-max-rows"), 10) || 12;

  function rows() { return body.querySelectorAll("tr.promise-row"); }

  function refresh() { add.hidden = rows().length >= max; }

  add.addEventListener("click", function () {
    var all = rows();
    var copy = all[all.length - 1].cloneNode(true);
    var index = all.length;
    copy.querySelectorAll("input").forEach(function (input) {
      // instalments-<n>-amount -> instalments-<index>-amount (WTForms' FieldList names)
      input.name = input.name.replace(/^instalments-\d+-/, "instalments-" + index + "-");
      input.id = input.name;
      input.value = "";
    });
    copy.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    body.appendChild(copy);
    copy.querySelector("input").focus();
    refresh();
  });
  refresh();
})();
