/*
 * Process diagrams and the BPMN modeler (bpmn-js, vendored in static/vendor/bpmn-js/).
 *
 * - [data-bpmn-viewer]  workflow/_diagram.html: loads the XML from data-xml-url into the viewer,
 *   marks the ids in the json_script elements named by data-active-ids / data-done-ids, and
 *   fills the text list of steps when the server did not.
 * - [data-bpmn-modeler] workflow/edit.html: the modeler on the XML in the form's textarea
 *   (data-source), kept in step with it both ways, plus a small panel for the platform's dialect:
 *   a user task's name and its camunda properties "role" and "days" (dgov/workflow/dialect.py).
 *
 * No inline script anywhere: configuration comes from data attributes and json_script, so the
 * pages work under a strict Content-Security-Policy. The bpmn.io watermark the library draws must
 * stay visible (bpmn-js licence); nothing here hides or covers it.
 */
(function () {
  'use strict';

  if (window.dgovBpmnConsole) {
    return; // the include may be on a page twice
  }
  window.dgovBpmnConsole = true;

  var PALETTE_PX = 120; // the modeler's palette: 20 px from the left edge, ~100 px wide

  function readJson(id) {
    var el = id ? document.getElementById(id) : null;
    if (!el) {
      return null;
    }
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  function idList(value) {
    return Array.isArray(value) ? value.filter(function (v) { return typeof v === 'string'; }) : [];
  }

  function say(el, text, isError) {
    if (!el) {
      return;
    }
    el.textContent = text || '';
    el.classList.toggle('is-error', Boolean(isError && text));
  }

  function hasShapes(registry) {
    return registry.filter(function (e) { return e.parent && e.type !== 'label'; }).length > 0;
  }

  // --- Viewer -------------------------------------------------------------------------------

  function flowNodes(definitions) {
    var nodes = [];
    (definitions && definitions.rootElements || []).forEach(function (root) {
      if (!root.$instanceOf('bpmn:Process')) {
        return;
      }
      (root.flowElements || []).forEach(function (el) {
        if (el.$instanceOf('bpmn:FlowNode')) {
          nodes.push(el);
        }
      });
    });
    return nodes;
  }

  function fillSteps(root, definitions, active, done) {
    var list = root.querySelector('[data-bpmn-steps]');
    if (!list || list.children.length) {
      return; // rendered on the server, in the order a case meets the steps
    }
    flowNodes(definitions).forEach(function (node) {
      var li = document.createElement('li');
      li.className = 'bpmn-step';
      li.appendChild(document.createTextNode((node.name || node.id) + ' '));
      var state = active.indexOf(node.id) >= 0 ? 'active' : (done.indexOf(node.id) >= 0 ? 'done' : '');
      if (state) {
        li.classList.add('is-' + state);
        var mark = document.createElement(state === 'active' ? 'strong' : 'span');
        mark.className = 'bpmn-step-state';
        mark.textContent = state === 'active' ? root.dataset.labelActive : root.dataset.labelDone;
        li.appendChild(mark);
      }
      list.appendChild(li);
    });
  }

  function initViewer(root) {
    var status = root.querySelector('[data-bpmn-status]');
    if (typeof window.BpmnJS !== 'function') {
      say(status, root.dataset.msgFailed, true);
      return;
    }
    var active = idList(readJson(root.dataset.activeIds));
    var done = idList(readJson(root.dataset.doneIds)).filter(function (id) { return active.indexOf(id) < 0; });
    var viewer = new window.BpmnJS({ container: root.querySelector('[data-bpmn-canvas]') });
    fetch(root.dataset.xmlUrl, { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        fillSteps(root, viewer.getDefinitions(), active, done);
        if (!hasShapes(registry)) {
          say(status, root.dataset.msgEmpty, false);
          return;
        }
        canvas.zoom('fit-viewport', 'auto');
        done.forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, 'dgov-step-done');
          }
        });
        active.forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, 'dgov-step-active');
          }
        });
        root.dataset.bpmnRendered = '1';
      })
      .catch(function () {
        say(status, root.dataset.msgFailed, true);
      });
  }

  // --- Modeler: the platform's dialect ------------------------------------------------------

  function extensionOf(bo, type) {
    var ext = bo.extensionElements;
    return ext ? (ext.get('values') || []).filter(function (v) { return v.$instanceOf(type); })[0] : undefined;
  }

  function propertyOf(bo, name) {
    var props = extensionOf(bo, 'camunda:Properties');
    var found = props ? (props.get('values') || []).filter(function (p) { return p.name === name; })[0] : undefined;
    return found ? (found.value || '') : '';
  }

  // Set (or, with '', remove) a camunda:property on a task, through the command stack (undoable).
  function setProperty(modeler, element, name, value) {
    var modeling = modeler.get('modeling');
    var moddle = modeler.get('moddle');
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    var props = extensionOf(bo, 'camunda:Properties');
    var existing = props ? (props.get('values') || []).filter(function (p) { return p.name === name; })[0] : undefined;
    if (!value) {
      if (!existing) {
        return;
      }
      var rest = props.get('values').filter(function (p) { return p !== existing; });
      if (rest.length) {
        modeling.updateModdleProperties(element, props, { values: rest });
      } else {
        modeling.updateModdleProperties(element, ext, {
          values: ext.get('values').filter(function (v) { return v !== props; })
        });
      }
      return;
    }
    if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
      return;
    }
    if (!ext) {
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    if (!props) {
      props = moddle.create('camunda:Properties', { values: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get('values').concat([props]) });
    }
    var property = moddle.create('camunda:Property', { name: name, value: value });
    property.$parent = props;
    modeling.updateModdleProperties(element, props, { values: props.get('values').concat([property]) });
  }

  function initPanel(root, modeler, config) {
    var empty = root.querySelector('[data-props-empty]');
    var panel = root.querySelector('[data-props]');
    var taskBox = root.querySelector('[data-props-task]');
    var fieldsBox = root.querySelector('[data-props-fields]');
    var nameInput = root.querySelector('[data-prop="name"]');
    var roleSelect = root.querySelector('[data-prop="role"]');
    var daysInput = root.querySelector('[data-prop="days"]');
    var selected = null;

    (config.roles || []).forEach(function (role) {
      var option = document.createElement('option');
      option.value = role.value;
      option.textContent = role.label + ' (' + role.value + ')';
      roleSelect.appendChild(option);
    });

    function render() {
      var element = selected;
      if (!element || !element.businessObject || element.type === 'bpmn:Process') {
        panel.hidden = true;
        empty.hidden = false;
        return;
      }
      var bo = element.businessObject;
      panel.hidden = false;
      empty.hidden = true;
      root.querySelector('[data-props-type]').textContent = bo.$type.replace(/^bpmn:/, '');
      root.querySelector('[data-props-id]').textContent = bo.id;
      nameInput.value = bo.name || '';
      var isTask = bo.$instanceOf('bpmn:UserTask');
      taskBox.hidden = !isTask;
      if (!isTask) {
        return;
      }
      var role = propertyOf(bo, 'role');
      if (role && !roleSelect.querySelector('option[value="' + CSS.escape(role) + '"]')) {
        var unknown = document.createElement('option');
        unknown.value = role;
        unknown.textContent = role;
        roleSelect.appendChild(unknown); // shown as written; saving reports an unknown role
      }
      roleSelect.value = role;
      daysInput.value = propertyOf(bo, 'days');
      var form = extensionOf(bo, 'camunda:FormData');
      var fields = form ? (form.get('fields') || []) : [];
      var list = fieldsBox.querySelector('ul');
      list.textContent = '';
      fields.forEach(function (f) {
        var li = document.createElement('li');
        li.textContent = (f.label || f.id) + ' (' + f.id + (f.type ? ', ' + f.type : '') + ')';
        list.appendChild(li);
      });
      fieldsBox.hidden = fields.length === 0;
    }

    modeler.on('selection.changed', function (event) {
      var element = event.newSelection.length === 1 ? event.newSelection[0] : null;
      selected = element && element.labelTarget ? element.labelTarget : element;
      render();
    });
    modeler.on('elements.changed', function (event) {
      if (selected && event.elements.indexOf(selected) >= 0) {
        render();
      }
    });
    modeler.on('import.done', function () {
      selected = null;
      render();
    });

    nameInput.addEventListener('change', function () {
      if (selected) {
        modeler.get('modeling').updateLabel(selected, nameInput.value.trim());
      }
    });
    roleSelect.addEventListener('change', function () {
      if (selected) {
        setProperty(modeler, selected, 'role', roleSelect.value);
      }
    });
    daysInput.addEventListener('change', function () {
      if (selected) {
        setProperty(modeler, selected, 'days', daysInput.value.trim());
      }
    });
  }

  // Fit the diagram into the canvas, leaving room on the left for the palette floating over it.
  function fitBesidePalette(canvas) {
    var box = canvas.viewbox();
    var outer = box.outer;
    var inner = box.inner;
    var margin = 20;
    var scale = Math.min(
      (outer.width - PALETTE_PX - 2 * margin) / Math.max(inner.width, 1),
      (outer.height - 2 * margin) / Math.max(inner.height, 1),
      1
    );
    if (!(scale > 0)) {
      canvas.zoom('fit-viewport', 'auto');
      return;
    }
    canvas.viewbox({
      x: inner.x - (PALETTE_PX + margin) / scale,
      y: inner.y - (outer.height / scale - inner.height) / 2,
      width: outer.width / scale,
      height: outer.height / scale
    });
  }

  // --- Modeler: page ------------------------------------------------------------------------

  function initModeler(root) {
    var status = document.querySelector('[data-bpmn-status]');
    var source = document.getElementById(root.dataset.source);
    var form = root.closest('form');
    var config = readJson(root.dataset.config) || {};
    if (typeof window.BpmnJS !== 'function' || !source) {
      say(status, root.dataset.msgFailed, true);
      return;
    }
    var dirty = false;
    var submitting = false;
    var pending = Promise.resolve();
    var importing = false;

    fetch(root.dataset.moddleUrl, { credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(function (camunda) {
        var modeler = new window.BpmnJS({
          container: root.querySelector('[data-bpmn-canvas]'),
          moddleExtensions: { camunda: camunda }
        });
        initPanel(root, modeler, config);

        function load(xml) {
          importing = true;
          return modeler.importXML(xml)
            .then(function () {
              say(status, '', false);
              if (hasShapes(modeler.get('elementRegistry'))) {
                fitBesidePalette(modeler.get('canvas'));
              }
              root.dataset.bpmnRendered = '1';
            })
            .catch(function () {
              say(status, root.dataset.msgFailed, true);
            })
            .then(function () {
              importing = false;
            });
        }

        // Diagram -> textarea after every change; textarea -> diagram when a person edits the text.
        modeler.on('commandStack.changed', function () {
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
        source.addEventListener('change', function () {
          dirty = true;
          load(source.value);
        });
        load(source.value);
      })
      .catch(function () {
        say(status, root.dataset.msgFailed, true);
      });

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
    document.querySelectorAll('[data-bpmn-viewer]').forEach(initViewer);
    document.querySelectorAll('[data-bpmn-modeler]').forEach(initModeler);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
