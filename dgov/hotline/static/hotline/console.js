/* 12345 staff pages: filter the category picker by code, name or keyword, and "use this"
   buttons that fill the category and department from a suggestion. Plain JS; the pages work
   without it (the select lists every category; the operator chooses by hand). */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("hints-status");
    if (region) { region.textContent = text; }
  }

  function filterSelect(input) {
    var select = document.getElementById(input.getAttribute("data-filter-for"));
    if (!select) { return; }
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var matches = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var text = (option.getAttribute("data-search") || "") + " " + option.textContent.toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      option.hidden = !match;
      if (match) { matches.push(option); }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
    });
    if (words.length && matches.length === 1 && select.value !== matches[0].value) {
      select.value = matches[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    if (status) {
      status.textContent = words.length ? (input.getAttribute("data-count-label") || "{n}").replace("{n}", matches.length) : "";
    }
  }

  function setValue(select, value) {
    if (!select || value === "" || value === null) { return false; }
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    if (!known) { return false; }
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-filter-for]")) { filterSelect(event.target); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-use-category]") : null;
    if (!button) { return; }
    event.preventDefault();
    var form = button.closest("form") || document;
    var category = form.querySelector("[data-category-select]");
    var department = form.querySelector("[data-department-select]");
    var filter = category ? document.querySelector('[data-filter-for="' + category.id + '"]') : null;
    if (filter && filter.value) { filter.value = ""; filterSelect(filter); }
    setValue(category, button.getAttribute("data-use-category"));
    setValue(department, button.getAttribute("data-use-department"));
    var chosen = [category, department].filter(Boolean).map(function (s) {
      var option = s.options[s.selectedIndex];
      return option && option.value ? option.textContent.trim() : "";
    }).filter(Boolean).join(" → ");
    announce(chosen);
    if (department) { department.focus(); }
  });
})();
