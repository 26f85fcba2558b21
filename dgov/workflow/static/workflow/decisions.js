/*
 * The decision-table console: dmn-js (vendored in static/vendor/dmn-js/) on the decision-table view.
 *
 * - [data-dmn-viewer]  workflow/decision_detail.html: loads the XML from data-xml-url into the
 *   viewer bundle (read-only) and opens the decision table. The section is hidden in the HTML and
 *   shown here, so without JavaScript the page shows only the server-rendered rules.
 * - [data-dmn-modeler] workflow/decision_edit.html: the modeler bundle on the XML in the form's
 *   textarea (data-source), kept in step with it both ways; the form posts the XML, which the
 *   server checks and stores as a new draft version.
 *
 * Both bundles define window.DmnJS, so a page loads one of them. No inline script anywhere:
 * configuration comes from data attributes, so the pages work under a strict Content-Security-
 * Policy. The bpmn.io watermark the library draws must stay visible (dmn-js licence); nothing here
 * hides or covers it.
 */
(function () {
  'use strict';

  if (window.dgovDmnConsole) {
    return;
  }
  window.dgovDmnConsole = true;

  function say(el, text, isError) {
    if (!el) {
      return;
    }
    el.textContent = text || '';
    el.classList.toggle('is-error', Boolean(isError && text));
  }

  // Open the view of the (single) decision table; the platform's DMN files hold one decision.
  function openTable(manager) {
    var view = manager.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
    if (!view) {
      return Promise.reject(new Error('no decision table in the file'));
    }
    return manager.open(view);
  }

  // --- Viewer -------------------------------------------------------------------------------

  function initViewer(root) {
    var status = root.querySelector('[data-dmn-status]');
    root.hidden = false;
    if (typeof window.DmnJS !== 'function') {
      say(status, root.dataset.msgFailed, true);
      return;
    }
    var viewer = new window.DmnJS({ container: root.querySelector('[data-dmn-canvas]') });
    fetch(root.dataset.xmlUrl, { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml, { open: false }); })
      .then(function () { return openTable(viewer); })
      .then(function () {
        root.dataset.dmnRendered = '1';
      })
      .catch(function () {
        say(status, root.dataset.msgFailed, true);
      });
  }

  // --- Modeler ------------------------------------------------------------------------------

  function initModeler(root) {
    var form = root.closest('form');
    var status = form ? form.querySelector('[data-dmn-status]') : null;
    var source = document.getElementById(root.dataset.source);
    root.hidden = false;
    if (typeof window.DmnJS !== 'function' || !source) {
      say(status, root.dataset.msgFailed, true);
      return;
    }
    var modeler = new window.DmnJS({ container: root.querySelector('[data-dmn-canvas]') });
    var dirty = false;
    var submitting = false;
    var importing = false;
    var pending = Promise.resolve();

    function load(xml) {
      importing = true;
      return modeler.importXML(xml, { open: false })
        .then(function () { return openTable(modeler); })
        .then(function () {
          say(status, '', false);
          root.dataset.dmnRendered = '1';
        })
        .catch(function () {
          say(status, root.dataset.msgFailed, true);
        })
        .then(function () {
          importing = false;
        });
    }

    // Table -> textarea after every change. Each view has its own viewer (and command stack),
    // made when the view is first opened.
    modeler.on('viewer.created', function (event) {
      event.viewer.on('commandStack.changed', function () {
        if (importing) {
          return;
        }
        dirty = true;
        pending = modeler.saveXML({ format: true })
          .then(function (result) {
            source.value = result.xml;
          })
          .catch(function () {
            say(status, root.dataset.msgFailed, true);
          });
      });
    });
    // Textarea -> table when a person edits the text.
    source.addEventListener('change', function () {
      dirty = true;
      load(source.value);
    });
    load(source.value);

    if (form) {
      form.addEventListener('submit', function (event) {
        if (submitting) {
          return;
        }
        event.preventDefault();
        pending.then(function () {
          submitting = true;
          form.submit();
        });
      });
    }
    window.addEventListener('beforeunload', function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = root.dataset.msgUnsaved || '';
      }
    });
  }

  function start() {
    document.querySelectorAll('[data-dmn-viewer]').forEach(initViewer);
    document.querySelectorAll('[data-dmn-modeler]').forEach(initModeler);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
