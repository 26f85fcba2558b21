/* "Use my location" on the hotline report form: fills the latitude and longitude fields from the
   browser's geolocation (WGS-84, what the form expects), rounded to the form's 6 decimals. The
   button stays hidden without JavaScript; the fields can always be typed in. Messages come from
   Django's JavaScript catalog (/jsi18n/, loaded before this file); English without it. */
(function () {
  "use strict";

  var _ = typeof window.gettext === "function" ? window.gettext : function (s) { return s; };
  var format = typeof window.interpolate === "function"
    ? window.interpolate
    : function (fmt, obj) { return fmt.replace(/%\((\w+)\)s/g, function (m, key) { return String(obj[key]); }); };

  // A fresh fix, not one cached by the browser minutes ago somewhere else.
  var OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 };

  function setUp(box) {
    var button = box.querySelector("[data-locate-button]");
    var status = box.querySelector("[data-locate-status]");
    var latitude = document.getElementById(box.getAttribute("data-latitude"));
    var longitude = document.getElementById(box.getAttribute("data-longitude"));
    if (!button || !status || !latitude || !longitude) {
      return;
    }
    box.hidden = false;
    // Not `disabled` while waiting: that would drop the keyboard focus off the button.
    var pending = false;

    function say(text, failed) {
      status.textContent = text;
      status.classList.toggle("error", !!failed);
    }

    function done() {
      pending = false;
      button.removeAttribute("aria-disabled");
    }

    function found(position) {
      done();
      var coords = position.coords;
      latitude.value = coords.latitude.toFixed(6);
      longitude.value = coords.longitude.toFixed(6);
      // Listeners (validation hints, unsaved-changes guards) see the change as if typed.
      [latitude, longitude].forEach(function (field) {
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      say(format(
        _("Location filled in (accurate to about %(metres)s m). Check the coordinates before you submit."),
        { metres: Math.max(1, Math.round(coords.accuracy || 0)) },
        true
      ), false);
    }

    function failed(error) {
      done();
      var code = error && error.code;
      if (code === 1) {
        say(_("You did not allow this page to use your location. Allow it in your browser's settings and try again, or type the coordinates."), true);
      } else if (code === 3) {
        say(_("Finding your location took too long. Try again, or type the coordinates."), true);
      } else {
        say(_("Your location could not be found. Try again outdoors, or type the coordinates."), true);
      }
    }

    button.addEventListener("click", function () {
      if (pending) {
        return;
      }
      if (!window.isSecureContext) {
        say(_("Browsers share a location only over a secure (HTTPS) connection. Type the coordinates instead."), true);
        return;
      }
      if (!("geolocation" in navigator)) {
        say(_("This browser cannot share your location. Type the coordinates instead."), true);
        return;
      }
      pending = true;
      button.setAttribute("aria-disabled", "true");
      say(_("Finding your location…"), false);
      navigator.geolocation.getCurrentPosition(found, failed, OPTIONS);
    });
  }

  function start() {
    document.querySelectorAll("[data-locate]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
