// plugindex browse page: cards from assets/browse.json, filtered and sorted in the browser.
// No framework, no request to another host. Every value is inserted as text, never as HTML.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function versionKey(v) {
    return v.split(".").map(function (p) { return ("00000" + (parseInt(p, 10) || 0)).slice(-5); }).join(".");
  }

  // Does a PEP 440-style range such as ">=1.2,<3" admit host version v? (Comparisons only.)
  function admits(range, v) {
    if (!range) return true;
    return range.split(",").every(function (clause) {
      var m = clause.trim().match(/^(>=|<=|==|!=|>|<|~=)\s*([0-9][0-9.]*)/);
      if (!m) return true;
      var a = versionKey(v), b = versionKey(m[2]);
      switch (m[1]) {
        case ">=": return a >= b;
        case "<=": return a <= b;
        case ">": return a > b;
        case "<": return a < b;
        case "==": return a === b;
        case "!=": return a !== b;
        default: return a >= b;
      }
    });
  }

  function start(root) {
    fetch(root.getAttribute("data-src")).then(function (r) { return r.json(); }).then(function (data) {
      var f = data.fields, rows = data.plugins.map(function (row) {
        var o = {}; f.forEach(function (name, i) { o[name] = row[i]; }); return o;
      });
      var distinct = function (key) {
        var seen = {};
        rows.forEach(function (r) { [].concat(r[key]).forEach(function (v) { seen[v] = true; }); });
        return Object.keys(seen).sort();
      };
      var bar = el("div", { "class": "pi-filters" });
      var text = el("input", { type: "search", placeholder: "Filter by name or summary", "aria-label": "filter" });
      function select(label, values) {
        var s = el("select", { "aria-label": label, "data-filter": label });
        s.appendChild(el("option", { value: "" }, "any " + label));
        values.forEach(function (v) { s.appendChild(el("option", { value: v }, v)); });
        return s;
      }
      var category = select("category", distinct("category"));
      var tag = select("tag", distinct("tags"));
      var capability = select("capability", distinct("capabilities"));
      var host = select("host", data.hosts);
      var sort = el("select", { "aria-label": "sort", "data-filter": "sort" });
      [["score", "best score"], ["updated", "recently updated"], ["name", "name"]].forEach(function (o) {
        sort.appendChild(el("option", { value: o[0] }, o[1]));
      });
      [text, category, tag, capability, host, sort].forEach(function (c) { bar.appendChild(c); });
      var count = el("p", { "class": "pi-count" });
      var cards = el("div", { "class": "pi-cards" });
      root.innerHTML = "";
      root.appendChild(bar); root.appendChild(count); root.appendChild(cards);

      function render() {
        var q = text.value.trim().toLowerCase();
        var shown = rows.filter(function (r) {
          return (!q || (r.name + " " + r.summary).toLowerCase().indexOf(q) >= 0) &&
            (!category.value || r.category === category.value) &&
            (!tag.value || r.tags.indexOf(tag.value) >= 0) &&
            (!capability.value || r.capabilities.indexOf(capability.value) >= 0) &&
            (!host.value || admits(r.host, host.value));
        });
        shown.sort(function (a, b) {
          if (sort.value === "name") return a.name < b.name ? -1 : 1;
          if (sort.value === "updated") return a.updated === b.updated ? (a.name < b.name ? -1 : 1) : (a.updated < b.updated ? 1 : -1);
          return a.score === b.score ? (a.name < b.name ? -1 : 1) : b.score - a.score;
        });
        count.textContent = shown.length + " of " + rows.length + " plugins";
        cards.innerHTML = "";
        shown.forEach(function (r) {
          var c = el("div", { "class": "pi-card", "data-name": r.name, "data-category": r.category });
          var head = el("p");
          head.appendChild(el("a", { "class": "pi-card-name", href: "../plugins/" + encodeURIComponent(r.name) + "/" }, r.name));
          head.appendChild(document.createTextNode(" "));
          head.appendChild(el("span", { "class": "pi-version" }, r.latest));
          c.appendChild(head);
          c.appendChild(el("p", {}, r.summary));
          c.appendChild(el("p", { "class": "pi-meta" }, r.category + " · host " + r.host));
          var badges = el("p");
          badges.appendChild(el("span", { "class": "pi-badge pi-tier-" + r.tier }, r.score + " · " + r.tier));
          if (r.verified) badges.appendChild(el("span", { "class": "pi-badge pi-verified" }, "verified"));
          c.appendChild(badges);
          var tags = el("p");
          r.tags.forEach(function (t) { tags.appendChild(el("span", { "class": "pi-tag" }, t)); });
          c.appendChild(tags);
          cards.appendChild(c);
        });
      }
      [text, category, tag, capability, host, sort].forEach(function (c) {
        c.addEventListener("input", render); c.addEventListener("change", render);
      });
      var params = new URLSearchParams(window.location.search);
      if (params.get("category")) category.value = params.get("category");
      if (params.get("tag")) tag.value = params.get("tag");
      render();
    });
  }

  function init() {
    var root = document.getElementById("pi-browse");
    if (root) start(root);
  }
  // Material's instant loading replaces the page without a new load event.
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
})();
