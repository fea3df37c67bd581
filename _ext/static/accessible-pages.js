// Loaded after togglebutton.js, so these DOMContentLoaded handlers run after it has added its buttons.
document.addEventListener("DOMContentLoaded", function () {
  // sphinx-togglebutton labels every toggle "Toggle hidden content". Name each one after the title of
  // the box it opens ("Solution to Exercise 2.1 (...)"); its aria-expanded says open or closed.
  document.querySelectorAll(".admonition-title > button.toggle-button").forEach(function (button) {
    button.setAttribute("aria-label", button.parentElement.textContent.trim());
  });
  // The sidebar folds a chapter's sub-pages (the API reference's module pages) under a <summary> that
  // holds only a chevron icon; name it after the page it unfolds.
  document.querySelectorAll(".bd-sidenav details > summary").forEach(function (summary) {
    const page = summary.parentElement.parentElement.querySelector(":scope > a");
    if (page && !summary.textContent.trim()) summary.setAttribute("aria-label", "Pages under " + page.textContent.trim());
  });
  // The theme's "Skip to main content" link lands above the page's toolbar (launch, download, full
  // screen, colour mode: six Tab stops, the same on every page). Let it land on the article itself.
  const skip = document.querySelector("#pst-skip-link a");
  const article = document.querySelector("article.bd-article");
  if (skip && article) {
    article.id = article.id || "article";
    skip.setAttribute("href", "#" + article.id);
  }
  // The theme gives a Tab stop to each code block or output that scrolls sideways, but checks only
  // on load, resize and added content: one inside a solution opened later keeps none. Check each
  // again whenever its size changes, as it does when it is shown.
  const scrollable = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      const box = entry.target;
      if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) box.tabIndex = 0;
    });
  });
  document.querySelectorAll("pre, .cell_output > .output").forEach(function (box) { scrollable.observe(box); });
  // Formulas are out of the Tab order (see _config.yml), except a displayed one too wide for the
  // column: it scrolls sideways, and a keyboard reader needs a Tab stop on it to scroll it.
  if (window.MathJax && MathJax.startup) {
    MathJax.startup.promise.then(function () {
      document.querySelectorAll("mjx-container[display=true]").forEach(function (formula) {
        if (formula.scrollWidth > formula.clientWidth) formula.setAttribute("tabindex", "0");
      });
    });
  }
});
