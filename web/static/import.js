// The import wizard's small helpers: the live progress bar, and the sample
// values beside each field while matching. Every page works without them.
(function () {
  "use strict";

  var progress = document.getElementById("progress");
  if (progress) {
    var bar = document.getElementById("bar");
    var text = document.getElementById("progress-text");
    var poll = function () {
      fetch(progress.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.done) {
            window.location.assign(progress.dataset.done);
            return;
          }
          bar.value = p.percent;
          text.textContent = p.state === "queued" ? "Waiting to start" : p.percent + "%, " + p.rows.toLocaleString() + " rows read";
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }

  var mapping = document.getElementById("mapping");
  if (mapping) {
    var samples = JSON.parse(mapping.dataset.samples || "{}");
    mapping.querySelectorAll("select[data-field]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var cell = mapping.querySelector("[data-samples-for='" + sel.id + "']");
        cell.textContent = "";
        (samples[sel.value] || []).forEach(function (v) {
          var span = document.createElement("span");
          span.className = "sample";
          span.textContent = v;
          cell.appendChild(span);
        });
        if (sel.dataset.field === "phone") {
          var warn = sel.parentNode.querySelector(".phone-warning");
          if (warn) { warn.hidden = sel.value !== ""; }
        }
      });
    });
  }
})();
