/* django-celery-beat's periodic-task admin form (templates/admin/djcelery/change_periodictask_form.html): under the
 * crontab field's help, the schedule in words for the chosen crontab. The package does this in an inline script,
 * which the Content-Security-Policy blocks; the words are put in as text, not HTML. */
(function () {
  "use strict";
  var data = document.getElementById("readable-crontabs");
  var $ = window.django && window.django.jQuery;
  if (!data || !$) return;
  var readable = JSON.parse(data.textContent);
  var translation = $("<div class=\"help crontab-in-words\"></div>");
  $(".field-crontab .help").last().after(translation);
  $(".field-crontab_translation").hide();
  function show() {
    var words = readable[$("#id_crontab").val()];
    translation.text(words ? "Translation: " + words : "");
  }
  $(".field-crontab").on("change", show);
  show();
})();
