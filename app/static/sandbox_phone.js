// The sandbox phone: poll the chosen number's messages (GET, session cookie, no CSRF token
// needed) and redraw the bubbles when something changed (a new message, a delivery tick).
(function () {
  "use strict";
  var phone = document.getElementById("sandbox-phone");
  if (!phone) return;
  var url = phone.getAttribute("data-messages-url");
  var list = document.getElementById("sandbox-bubbles");

  function fingerprint(messages) {
    return messages.map(function (m) { return m.key + ":" + m.status; }).join("|");
  }

  function current() {
    return Array.prototype.map.call(list.children, function (li) {
      return li.getAttribute("data-key") + ":" + li.getAttribute("data-status");
    }).join("|");
  }

  function bubble(m) {
    var li = document.createElement("li");
    li.className = "bubble " + (m.incoming ? "in" : "out") + (m.failed ? " failed" : "");
    li.setAttribute("data-key", m.key);
    li.setAttribute("data-status", m.status);
    li.setAttribute("data-testid", "bubble");
    if (m.incoming) {
      var from = document.createElement("span");
      from.className = "from";
      from.textContent = m.sender;
      li.appendChild(from);
    }
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = m.text;
    li.appendChild(text);
    var meta = document.createElement("small");
    var time = document.createElement("time");
    time.setAttribute("datetime", m.at);
    time.textContent = m.time;
    var ticks = document.createElement("span");
    ticks.className = "ticks";
    ticks.setAttribute("data-testid", "ticks");
    ticks.textContent = m.ticks;
    meta.appendChild(time);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(ticks);
    li.appendChild(meta);
    return li;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && fingerprint(body.messages) !== current()) {
          var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
          list.replaceChildren.apply(list, body.messages.map(bubble));
          if (atBottom) list.scrollTop = list.scrollHeight;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  list.scrollTop = list.scrollHeight;
  window.setTimeout(poll, 2000);
})();
