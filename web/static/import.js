// The import wizard's small helpers: the live progress bar, the sample
// values beside each field while matching, the list of columns no field
// takes, kept true as fields are matched, and what the preview says of
// agents outside the campaign, kept true as the option changes. Every page works without
// them: the server works the same lists out when the form is sent.
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
          // While the rows are checked, the bar moves without saying how far.
          if (p.phase === "checking") {
            bar.removeAttribute("value");
          } else {
            bar.value = p.percent;
          }
          // The words come from the page, in the reader's language.
          var rows = p.rows.toLocaleString("en-US"), written = (p.written || 0).toLocaleString("en-US");
          text.dataset.phase = p.phase;
          text.textContent = p.state === "queued" ? text.dataset.waiting :
            p.phase === "checking" ? text.dataset.checking.replace("{rows}", rows) :
            p.phase === "writing" ? text.dataset.writing.replace("{written}", written) :
            text.dataset.read.replace("{percent}", p.percent).replace("{rows}", rows);
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }

  // The preview says what importing does about each agent outside the
  // campaign under the option ticked.
  var agents = document.getElementById("agents-outside");
  if (agents && agents.dataset.futures) {
    var futures = JSON.parse(agents.dataset.futures);
    Array.prototype.forEach.call(agents.querySelectorAll("input[name=agents]"), function (radio) {
      radio.addEventListener("change", function () {
        if (!radio.checked || !futures[radio.value]) { return; }
        Array.prototype.forEach.call(agents.querySelectorAll(".agent-fate"), function (span) {
          span.textContent = futures[radio.value];
        });
      });
    });
  }

  var mapping = document.getElementById("mapping");
  if (!mapping) {
    return;
  }
  var samples = JSON.parse(mapping.dataset.samples || "{}");
  var fieldSelects = Array.prototype.slice.call(mapping.querySelectorAll("select[data-field]"));
  var rows = Array.prototype.slice.call(mapping.querySelectorAll("tr[data-column]"));
  var notImported = document.getElementById("not-imported");

  // showColumns hides the columns a field takes, shows the others, and
  // says which columns will not be imported.
  var showColumns = function () {
    var taken = {};
    fieldSelects.forEach(function (sel) {
      if (sel.value !== "") { taken[sel.value] = true; }
    });
    var left = [];
    rows.forEach(function (tr) {
      var col = tr.dataset.column;
      tr.hidden = !!taken[col];
      var choice = tr.querySelector("select[data-column-choice]");
      if (!taken[col] && choice.value === "") { left.push(col); }
    });
    if (!notImported) { return; }
    notImported.textContent = "";
    if (left.length === 0) {
      notImported.className = "hint";
      notImported.textContent = notImported.dataset.none;
      return;
    }
    notImported.className = "alert warn";
    // The page's sentence, in the reader's language, with the columns
    // where it says {columns}.
    var some = (notImported.dataset.some || "{columns}").split("{columns}");
    notImported.appendChild(document.createTextNode(some[0]));
    left.forEach(function (col, i) {
      if (i > 0) { notImported.appendChild(document.createTextNode(", ")); }
      var b = document.createElement("bdi");
      b.textContent = col;
      notImported.appendChild(b);
    });
    notImported.appendChild(document.createTextNode(some.slice(1).join("")));
  };

  fieldSelects.forEach(function (sel) {
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
      showColumns();
    });
  });

  // Matching a column to a field from the list moves it into the field's
  // own choice above, so the form says it once.
  rows.forEach(function (tr) {
    var choice = tr.querySelector("select[data-column-choice]");
    choice.addEventListener("change", function () {
      if (choice.value.indexOf("field:") === 0) {
        var sel = document.getElementById("map_" + choice.value.slice(6));
        if (sel) {
          sel.value = tr.dataset.column;
          choice.value = "";
          sel.dispatchEvent(new Event("change"));
          return;
        }
      }
      showColumns();
    });
  });
})();
