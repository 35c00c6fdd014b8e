(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  var table = document.getElementById("citations");
  if (!table) { return; }
  var bodies = Array.prototype.slice.call(table.querySelectorAll("tbody.cite"));
  var search = document.getElementById("f-search");
  var verdictSel = document.getElementById("f-verdict");
  var sourceSel = document.getElementById("f-source");
  var documentSel = document.getElementById("f-document");
  var shown = document.getElementById("shown-count");
  var empty = document.getElementById("no-match");
  var expandAll = document.getElementById("f-expand");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card[data-verdict]"));
  var more = document.getElementById("more");
  var moreButton = document.getElementById("f-more");
  var matchCount = document.getElementById("match-count");
  var pageSize = Number(moreButton.getAttribute("data-page")) || 200;
  var limit = pageSize;

  function lower(text) { return (text || "").toLowerCase(); }

  var haystack = bodies.map(function (body) { return lower(body.textContent); });

  function applyFilters() {
    var terms = lower(search.value).split(/\s+/).filter(Boolean);
    var verdict = verdictSel.value;
    var source = sourceSel.value;
    var doc = documentSel ? documentSel.value : "";
    var matched = 0;
    var count = 0;
    bodies.forEach(function (body) {
      var i = Number(body.getAttribute("data-sort-order"));
      var match = (!verdict || body.getAttribute("data-verdict") === verdict) &&
        (!source || body.getAttribute("data-source") === source) &&
        (!doc || body.getAttribute("data-document") === doc) &&
        terms.every(function (term) { return haystack[i].indexOf(term) !== -1; });
      if (match) { matched += 1; }
      var show = match && matched <= limit;
      if (body.hidden === show) { body.hidden = !show; }
      if (show) { count += 1; }
    });
    shown.textContent = String(count);
    empty.hidden = matched !== 0;
    more.hidden = matched <= count;
    matchCount.textContent = String(matched);
    cards.forEach(function (card) {
      card.setAttribute("aria-pressed", String(card.getAttribute("data-verdict") === verdict));
    });
  }

  [search, verdictSel, sourceSel, documentSel].forEach(function (control) {
    if (control) {
      control.addEventListener("input", applyFilters);
      control.addEventListener("change", applyFilters);
    }
  });

  cards.forEach(function (card) {
    card.addEventListener("click", function () {
      var verdict = card.getAttribute("data-verdict");
      verdictSel.value = verdictSel.value === verdict ? "" : verdict;
      applyFilters();
      table.scrollIntoView({ block: "start" });
    });
  });

  moreButton.addEventListener("click", function () {
    limit = Infinity;
    applyFilters();
  });

  document.getElementById("f-reset").addEventListener("click", function () {
    search.value = "";
    verdictSel.value = "";
    sourceSel.value = "";
    if (documentSel) { documentSel.value = ""; }
    applyFilters();
  });

  function setOpen(body, open) {
    body.classList.toggle("open", open);
    var toggle = body.querySelector("button.toggle");
    toggle.setAttribute("aria-expanded", String(open));
    toggle.title = open ? "Hide details" : "Show details";
  }

  bodies.forEach(function (body) {
    body.querySelector("button.toggle").addEventListener("click", function () {
      setOpen(body, !body.classList.contains("open"));
    });
  });

  expandAll.addEventListener("click", function () {
    var open = expandAll.getAttribute("aria-pressed") !== "true";
    bodies.forEach(function (body) { setOpen(body, open); });
    expandAll.setAttribute("aria-pressed", String(open));
    expandAll.textContent = open ? "Collapse all" : "Expand all";
  });

  var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-sort]"));
  headers.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var attr = "data-sort-" + th.getAttribute("data-sort");
      var numeric = th.getAttribute("data-type") === "num";
      var sorted = bodies.slice().sort(function (a, b) {
        var x = a.getAttribute(attr);
        var y = b.getAttribute(attr);
        var diff = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        if (!ascending) { diff = -diff; }
        return diff || Number(a.getAttribute("data-sort-order")) - Number(b.getAttribute("data-sort-order"));
      });
      sorted.forEach(function (body) { table.appendChild(body); });
      bodies = sorted;
      applyFilters();
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== search) {
      event.preventDefault();
      search.focus();
    }
  });

  // Rows past the first page start hidden by CSS (fast first paint); from now
  // on the hidden attribute decides, set before the class goes in one task.
  applyFilters();
  bodies.forEach(function (body) { body.classList.remove("later"); });
}());
