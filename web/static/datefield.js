// Date fields that read and write DD-MM-YYYY HH:MM whatever the browser's
// language. A field is a text input (data-datefield="datetime" or "date");
// the server reads what it holds in the account's time zone, so the page
// works without this script. The script adds a small calendar beside each
// field, built here rather than taken from the browser, whose own date
// inputs follow its locale (month first in the US). Its words (month and
// day names, the buttons' labels) come from the page, in the page's
// language (#datefield-words, see layout/datefield.html), and the week
// starts on the day the page says.
// In a right-to-left page the calendar runs right to left, its arrows
// point the other way and the arrow keys follow what they show. "Today"
// is today in the account's zone (data-tz), not the computer's.
(function () {
  "use strict";

  var fields = document.querySelectorAll("input[data-datefield]");
  if (!fields.length) {
    return;
  }

  // The words come from the page, in its language (layout/datefield.html):
  // without them the fields are plain text fields, which the server reads
  // all the same.
  var given = document.getElementById("datefield-words");
  if (!given) {
    return;
  }
  var WORDS = given.dataset;
  var MONTHS = (WORDS.months || "").split("|");
  var WEEKDAYS = (WORDS.weekdays || "").split("|");
  if (MONTHS.length !== 12 || WEEKDAYS.length !== 7) {
    return;
  }
  // FIRST_DAY is the week's first day: 0 for Sunday, 1 for Monday.
  var FIRST_DAY = ((parseInt(WORDS.firstDay, 10) || 0) % 7 + 7) % 7;
  // RTL: the page reads right to left, and the calendar with it.
  var RTL = (document.documentElement.getAttribute("dir") || "").toLowerCase() === "rtl";
  var DEFAULT_HOUR = 9;
  var FIELD_RE = /^\s*(\d{1,2})[-\/.](\d{1,2})[-\/.](\d{4})(?:\s+(\d{1,2}):(\d{2}))?\s*$/;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function daysIn(y, m) {
    return new Date(Date.UTC(y, m, 0)).getUTCDate();
  }

  // parse reads what the field holds, as the server does: day first.
  function parse(s) {
    var m = FIELD_RE.exec(s || "");
    if (!m) {
      return null;
    }
    var v = { y: +m[3], m: +m[2], d: +m[1], hh: 0, mm: 0, time: m[4] !== undefined };
    if (v.m < 1 || v.m > 12 || v.d < 1 || v.d > daysIn(v.y, v.m)) {
      return null;
    }
    if (v.time) {
      v.hh = +m[4];
      v.mm = +m[5];
      if (v.hh > 23 || v.mm > 59) {
        return null;
      }
    }
    return v;
  }

  function format(v, withTime) {
    var s = pad(v.d) + "-" + pad(v.m) + "-" + v.y;
    return withTime ? s + " " + pad(v.hh) + ":" + pad(v.mm) : s;
  }

  // nowIn returns the date and time now in the zone tz. Intl with an
  // explicit zone and a fixed English format reads the same in any locale.
  function nowIn(tz) {
    var d = new Date();
    try {
      var o = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: tz || undefined, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23"
      }).formatToParts(d).forEach(function (p) { o[p.type] = p.value; });
      return { y: +o.year, m: +o.month, d: +o.day, hh: +o.hour % 24, mm: +o.minute };
    } catch (e) {
      return { y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), hh: d.getHours(), mm: d.getMinutes() };
    }
  }

  // shift moves a date by days, across months and years.
  function shift(v, days) {
    var d = new Date(Date.UTC(v.y, v.m - 1, v.d + days));
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
  }

  function same(a, b) {
    return a && b && a.y === b.y && a.m === b.m && a.d === b.d;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function calendarIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 1v2M12 1v2M1.5 3.5h13v11h-13zM1.5 6.5h13M4 9h2M7 9h2M10 9h2M4 12h2M7 12h2");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.3");
    svg.appendChild(path);
    return svg;
  }

  function numberSelect(label, cls, max, step) {
    var s = el("select", { "aria-label": label, "class": cls });
    for (var i = 0; i <= max; i += step) {
      s.appendChild(el("option", { value: String(i) }, pad(i)));
    }
    return s;
  }

  // selectValue chooses n in a select, adding it when the steps skip it.
  function selectValue(s, n) {
    var v = String(n);
    var found = false;
    for (var i = 0; i < s.options.length; i++) {
      if (s.options[i].value === v) {
        found = true;
      }
    }
    if (!found) {
      var opt = el("option", { value: v }, pad(n));
      var before = null;
      for (var j = 0; j < s.options.length; j++) {
        if (+s.options[j].value > n) {
          before = s.options[j];
          break;
        }
      }
      s.insertBefore(opt, before);
    }
    s.value = v;
  }

  var open = null; // the picker shown, one at a time

  function Picker(input, n) {
    var self = this;
    this.input = input;
    this.withTime = input.getAttribute("data-datefield") !== "date";
    this.tz = input.getAttribute("data-tz") || "";
    var id = input.id || ("datefield-" + n);

    var wrap = el("div", { "class": "datefield" });
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    this.button = el("button", {
      type: "button", "class": "datefield-open", "aria-haspopup": "dialog", "aria-expanded": "false",
      "aria-controls": id + "-picker", "aria-label": this.withTime ? WORDS.chooseDateTime : WORDS.chooseDate
    });
    this.button.appendChild(calendarIcon());
    wrap.appendChild(this.button);

    var pop = el("div", { "class": "datefield-pop", id: id + "-picker", role: "dialog", "aria-label": WORDS.chooseDate });
    pop.hidden = true;
    var head = el("div", { "class": "datefield-head" });
    // The arrows point back and on as the page reads: in a right-to-left
    // page the previous month is on the right, its arrow pointing right.
    // Each arrow is set left to right, so that no mirroring turns it again.
    this.prev = el("button", { type: "button", "class": "datefield-prev", "aria-label": WORDS.previousMonth, dir: "ltr" }, RTL ? "\u203a" : "\u2039");
    this.title = el("span", { "class": "datefield-title", "aria-live": "polite" });
    this.next = el("button", { type: "button", "class": "datefield-next", "aria-label": WORDS.nextMonth, dir: "ltr" }, RTL ? "\u2039" : "\u203a");
    head.appendChild(this.prev);
    head.appendChild(this.title);
    head.appendChild(this.next);
    pop.appendChild(head);

    var grid = el("table", { "class": "datefield-grid", role: "grid" });
    var thead = el("thead");
    var tr = el("tr");
    for (var w = 0; w < 7; w++) {
      tr.appendChild(el("th", { scope: "col" }, WEEKDAYS[(FIRST_DAY + w) % 7]));
    }
    thead.appendChild(tr);
    grid.appendChild(thead);
    this.body = el("tbody");
    grid.appendChild(this.body);
    pop.appendChild(grid);

    if (this.withTime) {
      var time = el("div", { "class": "datefield-time" });
      time.appendChild(el("span", {}, WORDS.time));
      this.hour = numberSelect(WORDS.hour, "datefield-hour", 23, 1);
      this.minute = numberSelect(WORDS.minute, "datefield-minute", 55, 5);
      // Hours and minutes stay in that order whatever the page's direction.
      var hhmm = el("span", { dir: "ltr", "class": "datefield-hhmm" });
      hhmm.appendChild(this.hour);
      hhmm.appendChild(el("span", {}, ":"));
      hhmm.appendChild(this.minute);
      time.appendChild(hhmm);
      if (this.tz) {
        time.appendChild(el("span", { "class": "datefield-tz" }, this.tz));
      }
      pop.appendChild(time);
      this.hour.addEventListener("change", function () { self.timeChanged(); });
      this.minute.addEventListener("change", function () { self.timeChanged(); });
    }

    var foot = el("div", { "class": "datefield-foot" });
    this.todayButton = el("button", { type: "button", "class": "datefield-today" }, WORDS.today);
    this.clearButton = el("button", { type: "button", "class": "datefield-clear" }, WORDS.clear);
    this.doneButton = el("button", { type: "button", "class": "datefield-done" }, WORDS.done);
    foot.appendChild(this.todayButton);
    foot.appendChild(this.clearButton);
    foot.appendChild(this.doneButton);
    pop.appendChild(foot);
    wrap.appendChild(pop);
    this.pop = pop;
    this.wrap = wrap;

    this.button.addEventListener("click", function () {
      if (open === self) {
        self.close(true);
      } else {
        self.show();
      }
    });
    this.prev.addEventListener("click", function () { self.moveMonth(-1); });
    this.next.addEventListener("click", function () { self.moveMonth(1); });
    this.todayButton.addEventListener("click", function () {
      var t = nowIn(self.tz);
      self.pick({ y: t.y, m: t.m, d: t.d });
    });
    this.clearButton.addEventListener("click", function () {
      self.selected = null;
      self.write("");
      self.close(true);
    });
    this.doneButton.addEventListener("click", function () { self.close(true); });
    this.body.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-day]");
      if (b) {
        self.pick({ y: self.view.y, m: self.view.m, d: +b.getAttribute("data-day") });
      }
    });
    this.body.addEventListener("keydown", function (e) { self.key(e); });
    pop.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        e.preventDefault();
        self.close(true);
      }
    });
    // What is typed is tidied into the field's format once it reads as a
    // date, so "5-3-2026 9:05" becomes "05-03-2026 09:05".
    input.addEventListener("change", function () {
      var v = parse(input.value);
      if (v) {
        var s = format(v, self.withTime || v.time);
        if (s !== input.value) {
          input.value = s;
        }
      }
    });
  }

  Picker.prototype.show = function () {
    if (open && open !== this) {
      open.close(false);
    }
    var v = parse(this.input.value);
    var now = nowIn(this.tz);
    this.selected = v ? { y: v.y, m: v.m, d: v.d } : null;
    this.focus = this.selected || { y: now.y, m: now.m, d: now.d };
    this.view = { y: this.focus.y, m: this.focus.m };
    if (this.withTime) {
      selectValue(this.hour, v && v.time ? v.hh : DEFAULT_HOUR);
      selectValue(this.minute, v && v.time ? v.mm : 0);
    }
    this.render();
    this.pop.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    open = this;
    this.focusDay();
  };

  Picker.prototype.close = function (refocus) {
    this.pop.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (open === this) {
      open = null;
    }
    if (refocus) {
      this.input.focus();
    }
  };

  Picker.prototype.moveMonth = function (by) {
    var m = this.view.m - 1 + by;
    this.view = { y: this.view.y + Math.floor(m / 12), m: ((m % 12) + 12) % 12 + 1 };
    this.focus = { y: this.view.y, m: this.view.m, d: Math.min(this.focus.d, daysIn(this.view.y, this.view.m)) };
    this.render();
  };

  Picker.prototype.render = function () {
    var y = this.view.y, m = this.view.m;
    this.title.textContent = MONTHS[m - 1] + " " + y;
    var today = nowIn(this.tz);
    while (this.body.firstChild) {
      this.body.removeChild(this.body.firstChild);
    }
    // The empty cells before the 1st, counted from the week's first day.
    var first = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() - FIRST_DAY + 7) % 7;
    var days = daysIn(y, m);
    var tr = el("tr");
    for (var i = 0; i < first; i++) {
      tr.appendChild(el("td"));
    }
    for (var d = 1; d <= days; d++) {
      if (tr.children.length === 7) {
        this.body.appendChild(tr);
        tr = el("tr");
      }
      var day = { y: y, m: m, d: d };
      var b = el("button", {
        type: "button", "data-day": String(d), tabindex: same(day, this.focus) ? "0" : "-1",
        "aria-label": d + " " + MONTHS[m - 1] + " " + y
      }, String(d));
      if (same(day, this.selected)) {
        b.setAttribute("aria-pressed", "true");
      }
      if (same(day, today)) {
        b.className = "today";
        b.setAttribute("aria-current", "date");
      }
      var td = el("td", { role: "gridcell" });
      td.appendChild(b);
      tr.appendChild(td);
    }
    while (tr.children.length < 7) {
      tr.appendChild(el("td"));
    }
    this.body.appendChild(tr);
  };

  Picker.prototype.focusDay = function () {
    var b = this.body.querySelector('button[tabindex="0"]');
    if (b) {
      b.focus();
    }
  };

  // key moves through the days with the arrow keys, by months with Page
  // Up and Page Down, and picks with Enter or Space (a button's own).
  Picker.prototype.key = function (e) {
    // Left and right move as the calendar runs: in a right-to-left page
    // the next day is on the left.
    var by = { ArrowLeft: RTL ? 1 : -1, ArrowRight: RTL ? -1 : 1, ArrowUp: -7, ArrowDown: 7 }[e.key];
    if (by === undefined && (e.key === "PageUp" || e.key === "PageDown")) {
      e.preventDefault();
      this.moveMonth(e.key === "PageUp" ? -1 : 1);
      this.focusDay();
      return;
    }
    if (by === undefined) {
      return;
    }
    e.preventDefault();
    this.focus = shift(this.focus, by);
    this.view = { y: this.focus.y, m: this.focus.m };
    this.render();
    this.focusDay();
  };

  Picker.prototype.pick = function (day) {
    this.selected = day;
    this.focus = day;
    this.view = { y: day.y, m: day.m };
    this.writeSelected();
    this.render();
    if (this.withTime) {
      this.hour.focus();
    } else {
      this.close(true);
    }
  };

  Picker.prototype.timeChanged = function () {
    if (!this.selected) {
      var t = nowIn(this.tz);
      this.selected = { y: t.y, m: t.m, d: t.d };
      this.focus = this.selected;
      this.render();
    }
    this.writeSelected();
  };

  Picker.prototype.writeSelected = function () {
    var v = { y: this.selected.y, m: this.selected.m, d: this.selected.d, hh: 0, mm: 0 };
    if (this.withTime) {
      v.hh = +this.hour.value;
      v.mm = +this.minute.value;
    }
    this.write(format(v, this.withTime));
  };

  Picker.prototype.write = function (s) {
    this.input.value = s;
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  // A click anywhere else closes the picker, as a menu closes.
  document.addEventListener("mousedown", function (e) {
    if (open && !open.wrap.contains(e.target)) {
      open.close(false);
    }
  });

  for (var i = 0; i < fields.length; i++) {
    new Picker(fields[i], i);
  }
})();
