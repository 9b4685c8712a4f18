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

  var FILTERS = ["q", "category", "tag", "capability", "host", "sort", "hide"];

  function start(root) {
    fetch(root.getAttribute("data-src")).then(function (r) { return r.json(); }).then(function (data) {
      var f = data.fields, rows = data.plugins.map(function (row) {
        var o = {}; f.forEach(function (name, i) { o[name] = row[i]; }); return o;
      });
      var titles = data.categories || {}, capTitles = data.capabilities || {}, states = data.states || {};
      rows.forEach(function (r) {
        r.categoryTitle = titles[r.category] || r.category;
        r.haystack = [r.name, r.name.replace(/-/g, ""), r.summary, r.categoryTitle, r.category,
          r.tags.join(" "), r.capabilities.map(function (c) { return (capTitles[c] || c) + " " + c; }).join(" "),
          r.text].join(" ").toLowerCase();
      });
      var distinct = function (key) {
        var seen = {};
        rows.forEach(function (r) { [].concat(r[key]).forEach(function (v) { seen[v] = true; }); });
        return Object.keys(seen).sort();
      };
      var bar = el("div", { "class": "pi-filters" });
      var text = el("input", { type: "search", placeholder: "Filter by name, summary, tag, category, description", "aria-label": "filter", "class": "pi-filter-text", "data-filter": "q" });
      function select(label, values, names) {
        var s = el("select", { "aria-label": label, "data-filter": label });
        s.appendChild(el("option", { value: "" }, "any " + label));
        values.forEach(function (v) { s.appendChild(el("option", { value: v }, (names && names[v]) || v)); });
        return s;
      }
      var category = select("category", distinct("category"), titles);
      var tag = select("tag", distinct("tags"));
      var capability = select("capability", distinct("capabilities"), capTitles);
      var host = select("host", data.hosts);
      var sort = el("select", { "aria-label": "sort", "data-filter": "sort" });
      [["score", "best score"], ["updated", "recently updated"], ["name", "name"]].forEach(function (o) {
        sort.appendChild(el("option", { value: o[0] }, o[1]));
      });
      var hide = el("label", { "class": "pi-hide" });
      var hideBox = el("input", { type: "checkbox", "data-filter": "hide" });
      hide.appendChild(hideBox);
      hide.appendChild(document.createTextNode(" hide blocked and deprecated"));
      [text, category, tag, capability, host, sort, hide].forEach(function (c) { bar.appendChild(c); });
      var count = el("p", { "class": "pi-count" });
      var cards = el("div", { "class": "pi-cards" });
      root.innerHTML = "";
      root.appendChild(bar); root.appendChild(count); root.appendChild(cards);

      function byName(a, b) { return a.name < b.name ? -1 : (a.name > b.name ? 1 : 0); }

      // The filters live in the URL: a filtered view can be shared and survives going back.
      function save() {
        var params = new URLSearchParams();
        if (text.value.trim()) params.set("q", text.value.trim());
        [category, tag, capability, host].forEach(function (s) {
          if (s.value) params.set(s.getAttribute("data-filter"), s.value);
        });
        if (sort.value !== "score") params.set("sort", sort.value);
        if (hideBox.checked) params.set("hide", "1");
        var query = params.toString();
        window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
      }

      function render() {
        var words = text.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        var shown = rows.filter(function (r) {
          return words.every(function (w) { return r.haystack.indexOf(w) >= 0; }) &&
            (!category.value || r.category === category.value) &&
            (!tag.value || r.tags.indexOf(tag.value) >= 0) &&
            (!capability.value || r.capabilities.indexOf(capability.value) >= 0) &&
            (!host.value || admits(r.host, host.value)) &&
            (!hideBox.checked || (r.state !== "blocked" && !r.deprecated));
        });
        shown.sort(function (a, b) {
          if (sort.value === "name") return byName(a, b);
          if (sort.value === "updated") return a.updated === b.updated ? byName(a, b) : (a.updated < b.updated ? 1 : -1);
          // best score: unknown scores (never scanned) after every known one
          if (a.score === null || b.score === null) return a.score === b.score ? byName(a, b) : (a.score === null ? 1 : -1);
          return a.score === b.score ? byName(a, b) : b.score - a.score;
        });
        count.textContent = shown.length + " of " + rows.length + " plugins";
        cards.innerHTML = "";
        shown.forEach(function (r) {
          var c = el("div", { "class": "pi-card", "data-name": r.name, "data-category": r.category, "data-state": r.state });
          var head = el("p");
          head.appendChild(el("a", { "class": "pi-card-name", href: "../plugins/" + encodeURIComponent(r.name) + "/" }, r.name));
          head.appendChild(document.createTextNode(" "));
          head.appendChild(el("span", { "class": "pi-version" }, r.latest));
          c.appendChild(head);
          c.appendChild(el("p", {}, r.summary));
          c.appendChild(el("p", { "class": "pi-meta" }, r.categoryTitle + " · host " + r.host));
          var badges = el("p");
          var safety = el("span", { "class": "pi-badge pi-safety pi-safety-" + r.state }, states[r.state] || r.state);
          badges.appendChild(safety);
          if (r.score === null) badges.appendChild(el("span", { "class": "pi-badge pi-tier-unknown" }, "score: not scanned"));
          else badges.appendChild(el("span", { "class": "pi-badge pi-tier-" + r.tier }, r.score + " · " + r.tier));
          if (r.verified) badges.appendChild(el("span", { "class": "pi-badge pi-verified" }, "verified"));
          if (r.deprecated) badges.appendChild(el("span", { "class": "pi-badge pi-deprecated" }, "deprecated"));
          c.appendChild(badges);
          var tags = el("p");
          r.tags.forEach(function (t) { tags.appendChild(el("span", { "class": "pi-tag" }, t)); });
          c.appendChild(tags);
          cards.appendChild(c);
        });
      }
      function update() { save(); render(); }
      [text, category, tag, capability, host, sort, hideBox].forEach(function (c) {
        c.addEventListener("input", update); c.addEventListener("change", update);
      });
      var params = new URLSearchParams(window.location.search);
      text.value = params.get("q") || "";
      [category, tag, capability, host, sort].forEach(function (s) {
        var v = params.get(s.getAttribute("data-filter"));
        if (v && [].some.call(s.options, function (o) { return o.value === v; })) s.value = v;
      });
      hideBox.checked = params.get("hide") === "1";
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
