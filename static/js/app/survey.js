// Survey pages: hide the questions that do not apply (FHIR enableWhen), so a phone shows only
// what to answer. Without this script every question shows and the server ignores answers to
// questions that do not apply; the rule is the same on both sides (questionnaire.enabled).
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) return;

  function answers(linkId) {
    var values = [];
    var fields = form.querySelectorAll('[name="' + CSS.escape(linkId) + '"]');
    fields.forEach(function (field) {
      if (field.disabled) return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      if (field.value.trim() !== "") values.push(field.value.trim());
    });
    return values;
  }

  function compare(value, operator, expected) {
    var a = Number(value), b = Number(expected);
    var numeric = value !== "" && expected !== "" && !isNaN(a) && !isNaN(b);
    if (!numeric) { a = value; b = expected; }  // ISO dates and codes compare as text
    switch (operator) {
      case "=": return a === b;
      case "!=": return a !== b;
      case ">": return a > b;
      case "<": return a < b;
      case ">=": return a >= b;
      case "<=": return a <= b;
    }
    return false;
  }

  function holds(condition) {
    var given = answers(condition.question);
    if (condition.operator === "exists") {
      return (given.length > 0) === (condition.answer === "true");
    }
    if (condition.operator === "!=") {
      return given.length > 0 && given.every(function (v) { return compare(v, "!=", condition.answer); });
    }
    return given.some(function (v) { return compare(v, condition.operator, condition.answer); });
  }

  function update() {
    // Repeat until nothing changes: hiding one question can hide the ones that depend on it.
    for (var round = 0; round < 10; round++) {
      var changed = false;
      form.querySelectorAll("[data-enable-when]").forEach(function (box) {
        var rule = JSON.parse(box.getAttribute("data-enable-when"));
        var results = rule.conditions.map(holds);
        var on = rule.behavior === "any" ? results.some(Boolean) : results.every(Boolean);
        var parentHidden = box.parentElement.closest(".survey-item[hidden]") !== null;
        on = on && !parentHidden;
        if (box.hidden === on) {
          box.hidden = !on;
          box.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !on; });
          changed = true;
        }
      });
      if (!changed) break;
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
