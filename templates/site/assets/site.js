// cardgen site, on every page: the one search box in the header, and keyboard access to
// tables that scroll sideways. The box is Pagefind's component UI, loaded from the site's
// own pagefind/ folder (no other host; a large site's index parts all merged), so it finds
// any word of any card. A copy opened from disk (file://) cannot load the index (browsers
// refuse it), so there the box is replaced by how to serve the site.
(function () {
  "use strict";
  if (window.cardgenSite) { return; }
  window.cardgenSite = true;

  // The site's root URL: MkDocs-Material and Zensical both write it, relative to the
  // page, into the page's #__config; a site served from a sub-folder works too.
  function siteRoot() {
    var base = ".";
    var config = document.getElementById("__config");
    if (config) {
      try { base = JSON.parse(config.textContent).base || "."; } catch (e) { base = "."; }
    }
    return new URL(base.replace(/\/*$/, "/"), window.location.href);
  }

  // Pagefind's own result template names each result by its title only, while it shows
  // the excerpt too (WCAG 2.5.3, label in name): this one is named by all it shows.
  var RESULT = '<a class="pf-searchbox-result" id="{{ aria.result_id }}" ' +
    'href="{{ meta.url | default(url) | safeUrl }}" role="option" aria-selected="false">' +
    '<p class="pf-searchbox-result-title">{{ meta.title | default("Untitled") }}</p>' +
    '{{#if excerpt}}<p class="pf-searchbox-result-excerpt">{{+ excerpt +}}</p>{{/if}}</a>';

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function offlineNote(root) {
    var note = element("p", {"class": "cardgen-search-offline"});
    note.appendChild(document.createTextNode("Search needs a web server: run "));
    note.appendChild(element("code", {}, "cardgen site serve"));
    note.appendChild(document.createTextNode(" or "));
    note.appendChild(element("code", {}, "python -m http.server"));
    note.appendChild(document.createTextNode(" in " + decodeURIComponent(root.pathname)));
    return note;
  }

  function setUp() {
    var header = document.querySelector(".md-header__inner");
    if (!header) { return; }
    var root = siteRoot();
    var results = document.getElementById("cardgen-find");
    var box = element("div", {"class": "cardgen-search", "role": "search"});
    var title = header.querySelector(".md-header__title");
    header.insertBefore(box, title ? title.nextSibling : null);
    if (window.location.protocol === "file:") {
      box.appendChild(offlineNote(root));
      if (results) { results.appendChild(offlineNote(root)); }
      linkIndexFiles();
      return;
    }
    document.head.appendChild(element("link", {
      "rel": "stylesheet", "href": root.href + "pagefind/pagefind-component-ui.css"
    }));
    box.appendChild(element("pagefind-config", {
      "bundle-path": root.pathname + "pagefind/", "base-url": root.pathname
    }));
    // On the Search page the box fills the page's own result list; elsewhere its
    // results open below it.
    if (results) {
      box.appendChild(element("pagefind-input", {"placeholder": "Search every card"}));
    } else {
      var searchbox = element("pagefind-searchbox", {
        "placeholder": "Search every card", "hide-shortcut": "", "show-keyboard-hints": "false"
      });
      searchbox.appendChild(element("script", {"type": "text/pagefind-template"}, RESULT));
      box.appendChild(searchbox);
    }
    // The component UI loads only once the other parts are known, and is told to merge
    // them before its first search (which loads the index).
    searchParts(root).then(function (parts) {
      var script = element("script", {
        "type": "module", "src": root.href + "pagefind/pagefind-component-ui.js"
      });
      script.addEventListener("load", function () {
        var components = window.PagefindComponents;
        if (components && parts.length) {
          components.getInstanceManager().getInstance("default").options.mergeIndex =
            parts.map(function (part) {
              return {"bundlePath": root.pathname + "pagefind/" + part, "baseUrl": root.pathname};
            });
        }
        if (results) { searchFor(box); }
      });
      document.head.appendChild(script);
    });
  }

  // A large site's index is in parts (pagefind/, pagefind/part-2/, ...), each small
  // enough to build in bounded memory: the first part's pagefind-entry.json lists the
  // others under "cardgen_parts" (a site of one part has no such list).
  function searchParts(root) {
    if (!window.fetch) { return Promise.resolve([]); }
    return fetch(root.href + "pagefind/pagefind-entry.json", {"cache": "no-cache"})
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (entry) {
        var parts = entry && entry.cardgen_parts;
        if (!Array.isArray(parts)) { return []; }
        return parts.filter(function (part) { return /^part-[0-9]+\/$/.test(part); });
      })
      .catch(function () { return []; });
  }

  // From disk a link to a folder (models/NAME/) would open a file listing: point each
  // such link of the site at the folder's index.html instead.
  function linkIndexFiles() {
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (link) {
      var target = new URL(link.getAttribute("href"), window.location.href);
      if (target.protocol === "file:" && /\/$/.test(target.pathname)) {
        target.pathname += "index.html";
        link.setAttribute("href", target.href);
      }
    });
  }

  // The Search page runs the query in its address (find/?q=WORD), so a search can be linked.
  function searchFor(box) {
    var term = new URLSearchParams(window.location.search).get("q");
    var components = window.PagefindComponents;
    if (!term || !components) { return; }
    var input = box.querySelector("input");
    if (input) { input.value = term; }
    components.getInstanceManager().getInstance("default").triggerSearch(term);
  }

  // A table wider than the page scrolls in its own box (the theme wraps each table in
  // .md-typeset__scrollwrap once the page has loaded); keyboard users reach it with Tab.
  function scrollBoxes() {
    var boxes = document.querySelectorAll("article .md-typeset__scrollwrap");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Wide table: scroll sideways");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  if (document.readyState === "complete") {
    scrollBoxes();
  } else {
    window.addEventListener("load", scrollBoxes);
  }
})();
