// The signing section of an application form: a signature pad (pointer events, written to a hidden
// field as a PNG data URL), switching between drawing and a one-time code, and sending the code
// without leaving the page. No inline scripts: pages run under a strict CSP.
(function () {
  "use strict";

  function setupPad(section) {
    var canvas = section.querySelector("[data-signature-pad]");
    var field = section.querySelector("[data-signature-value]");
    if (!canvas || !field) return;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }
    function save() {
      field.value = inked ? canvas.toDataURL("image/png") : "";
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      inked = true;
    });
    function stop() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    var clear = section.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        inked = false;
        save();
      });
    }
    // A form sent back with mistakes keeps the signature already drawn.
    if (field.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      img.onload = function () {
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        inked = true;
      };
      img.src = field.value;
    }
  }

  function setupMethods(section) {
    var radios = section.querySelectorAll("input[name=signature_method]");
    function show() {
      var chosen = section.querySelector("input[name=signature_method]:checked");
      var method = chosen ? chosen.value : "drawn";
      section.querySelectorAll(".signing-panel").forEach(function (panel) {
        panel.hidden = panel.getAttribute("data-method") !== method;
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  }

  function setupCode(section) {
    var button = section.querySelector("[data-send-code]");
    var form = document.getElementById("signing-code-form");
    var status = section.querySelector("[data-code-status]");
    if (!button || !form || !window.fetch) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (body) {
          status.textContent = body.message || "";
          var input = section.querySelector("input[name=signature_code]");
          if (input && !body.error) input.focus();
        })
        .catch(function () {
          status.textContent = button.getAttribute("data-failed") || "";
        })
        .finally(function () {
          window.setTimeout(function () {
            button.disabled = false;
          }, 60000);
        });
    });
  }

  document.querySelectorAll("[data-signing]").forEach(function (section) {
    setupPad(section);
    setupMethods(section);
    setupCode(section);
  });
})();
