/* One prediction's page, as progressive enhancement: the page works without this script (its
   Reload link, and the plane picker's Show button). With it, the state follows the prediction
   (the API answers when it ends, or after a while with its progress) and the page reloads
   itself once it has ended; the plane picker changes both previews at once. */
(function () {
  "use strict";

  var WORDS = {
    waiting: "Waiting in the queue", queued: "About to start", running: "Running",
    succeeded: "Done", failed: "Failed", cancelled: "Cancelled"
  };

  function update(prediction) {
    var status = document.getElementById("status");
    status.textContent = WORDS[prediction.status] || prediction.status;
    status.className = "badge status-" + prediction.status;
    status.setAttribute("data-status", prediction.status);
    document.getElementById("queue").textContent = prediction.queue_position ?
      "number " + prediction.queue_position + " in the queue" : "";
    var bar = document.getElementById("progress");
    bar.value = prediction.progress;
    bar.textContent = Math.round(prediction.progress * 100) + "%";
    document.getElementById("progress-note").textContent = prediction.progress_note || "";
  }

  function poll(url, failures) {
    // the hub answers as soon as the status, place in the queue or progress changes (or 20 s)
    var wait = 20;
    fetch(url + "?wait=" + wait, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("the hub answered " + response.status); }
        return response.json();
      })
      .then(function (prediction) {
        if (prediction.finished) { window.location.reload(); return; }
        update(prediction);
        poll(url, 0);
      })
      .catch(function () {
        window.setTimeout(function () { poll(url, failures + 1); },
          Math.min(30000, 1000 * Math.pow(2, failures)));
      });
  }

  var state = document.getElementById("state");
  if (state && state.getAttribute("data-poll")) { poll(state.getAttribute("data-poll"), 0); }

  var planes = document.getElementById("planes");
  if (!planes) { return; }
  document.getElementById("show-plane").hidden = true;

  function showPlanes() {
    var chosen = {};
    Array.prototype.forEach.call(planes.querySelectorAll("select"), function (select) {
      chosen[select.name] = parseInt(select.value, 10);
    });
    Array.prototype.forEach.call(document.querySelectorAll("img[data-base]"), function (img) {
      var own = JSON.parse(img.getAttribute("data-planes") || "{}");
      var query = [];
      Object.keys(chosen).forEach(function (letter) {
        if ((own[letter] || 0) > 1) { query.push(letter + "=" + Math.min(chosen[letter], own[letter] - 1)); }
      });
      img.src = img.getAttribute("data-base") + (query.length ? "?" + query.join("&") : "");
    });
    // a reload (the prediction ended) keeps the plane
    window.history.replaceState(null, "", planes.getAttribute("action") + "?" +
      new URLSearchParams(chosen).toString());
  }

  planes.addEventListener("change", showPlanes);
  planes.addEventListener("submit", function (event) { event.preventDefault(); showPlanes(); });
})();
