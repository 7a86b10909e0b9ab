// "My voicemail" page script (served as /my/assets/app.js). Plain browser JavaScript, no
// build step: it reads the boot data the server put in the page (words, policy reasons,
// CSRF token), fetches the state from /my/api/state and drives the actions through /my/api.
// The PIN typed here is sent only in JSON bodies to this same origin, never in a URL.
(function () {
  'use strict';
  var boot = JSON.parse(document.getElementById('boot').textContent);
  var t = boot.strings;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var API = '/my/api';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attrs[name];
      else if (name === 'hidden') node.hidden = Boolean(attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function say(text) {
    var status = document.getElementById('status');
    status.textContent = '';
    // A fresh text node so screen readers announce the same sentence twice in a row.
    window.setTimeout(function () { status.textContent = text; }, 30);
  }

  function call(method, path, body) {
    var headers = { 'x-csrf-token': csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(API + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    }).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(function (data) {
        if (!res.ok) {
          var err = new Error(data.detail || data.title || String(res.status));
          err.problem = data;
          throw err;
        }
        return data;
      });
    });
  }

  function failed(err) {
    say(t.failed.replace('{detail}', err.message));
  }

  var dateFormat = new Intl.DateTimeFormat(boot.lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: boot.timeZone });

  function messageItem(m) {
    var caller = m.callerName && m.callerNumber ? m.callerName + ' (' + m.callerNumber + ')' : m.callerName || m.callerNumber || t.unknownCaller;
    var when = dateFormat.format(new Date(m.receivedAt));
    var audioSlot = el('div', { class: 'audio-slot' });
    var play = el('button', { type: 'button', class: 'play', text: t.play, 'aria-label': t.play + ': ' + caller + ', ' + when });
    play.addEventListener('click', function () {
      audioSlot.textContent = '';
      var audio = el('audio', { controls: '', preload: 'auto', src: API + '/messages/' + encodeURIComponent(m.id) + '/audio', 'aria-label': t.audioOf + ' ' + caller });
      audioSlot.appendChild(audio);
      var played = audio.play();
      if (played && played.catch) played.catch(function () { /* autoplay refused: the controls are there */ });
    });
    var actions = el('div', { class: 'actions' }, [play]);
    if (m.status === 'new') {
      var save = el('button', { type: 'button', class: 'save', text: t.save, 'aria-label': t.save + ': ' + caller + ', ' + when });
      save.addEventListener('click', function () {
        call('POST', '/messages/' + encodeURIComponent(m.id) + '/save').then(function () { say(t.saved); return refresh(); }).catch(failed);
      });
      actions.appendChild(save);
    }
    var del = el('button', { type: 'button', class: 'delete', text: t.delete, 'aria-label': t.delete + ': ' + caller + ', ' + when });
    del.addEventListener('click', function () {
      call('DELETE', '/messages/' + encodeURIComponent(m.id)).then(function () { say(t.deleted); return refresh(); }).catch(failed);
    });
    actions.appendChild(del);
    return el('li', { class: 'message', 'data-message-id': m.id }, [
      el('p', { class: 'caller' }, [el('strong', { text: caller })]),
      el('p', { class: 'meta', text: when + ' · ' + m.durationSec + ' ' + t.seconds }),
      actions,
      audioSlot,
    ]);
  }

  function fillList(id, messages) {
    var list = document.getElementById(id);
    list.textContent = '';
    if (messages.length === 0) list.appendChild(el('li', { class: 'empty', text: t.noMessages }));
    messages.forEach(function (m) { list.appendChild(messageItem(m)); });
  }

  function greetingItem(g) {
    var label = g.kind === 'busy' ? t.greetingBusy : t.greetingUnavailable;
    var state = g.recorded === null ? t.greetingUnknown : g.recorded ? t.greetingRecorded : t.greetingDefault;
    var slot = el('div', { class: 'audio-slot' });
    var actions = el('div', { class: 'actions' });
    if (g.recorded) {
      var listen = el('button', { type: 'button', text: t.listen, 'aria-label': t.listen + ': ' + label });
      listen.addEventListener('click', function () {
        slot.textContent = '';
        slot.appendChild(el('audio', { controls: '', preload: 'auto', src: API + '/greetings/' + g.kind + '/audio', 'aria-label': label }));
      });
      var restore = el('button', { type: 'button', text: t.restoreDefault, 'aria-label': t.restoreDefault + ': ' + label });
      restore.addEventListener('click', function () {
        call('DELETE', '/greetings/' + g.kind).then(function () { say(t.restored); return refresh(); }).catch(failed);
      });
      actions.appendChild(listen);
      actions.appendChild(restore);
    }
    return el('li', { class: 'greeting', 'data-greeting': g.kind }, [el('p', {}, [el('strong', { text: label }), document.createTextNode(' — ' + state)]), actions, slot]);
  }

  function render(state) {
    var user = state.user;
    document.getElementById('locked').hidden = !user.locked;
    // Locked: the new-PIN form that unlocks comes first; otherwise the messages do.
    var pinSection = document.getElementById('pin-section');
    var main = document.getElementById('main');
    if (user.locked) main.insertBefore(pinSection, document.getElementById('messages-section'));
    else main.appendChild(pinSection);
    var title = document.getElementById('pin-title');
    title.textContent = user.locked ? title.getAttribute('data-locked') : title.getAttribute('data-normal');
    fillList('new-messages', state.messages.filter(function (m) { return m.status === 'new'; }));
    fillList('saved-messages', state.messages.filter(function (m) { return m.status === 'saved'; }));
    var greetings = document.getElementById('greetings');
    greetings.textContent = '';
    state.greetings.forEach(function (g) { greetings.appendChild(greetingItem(g)); });
    var rec = user.nameRecording;
    document.getElementById('name-state').textContent = rec.recorded === null ? t.nameUnknown : rec.recorded && !rec.mustRecord ? t.nameRecorded : t.nameMissing;
  }

  function refresh() {
    return call('GET', '/state').then(render).catch(failed);
  }

  // ---- the PIN form: the policy's reasons as the user types (server-side rules, one place)
  var pin = document.getElementById('new-pin');
  var confirmPin = document.getElementById('confirm-pin');
  var reason = document.getElementById('pin-reason');
  var checkTimer;
  var checkSeq = 0;

  function showReason(text, ok) {
    reason.textContent = text;
    reason.className = 'reason' + (ok ? ' ok' : text ? ' bad' : '');
    pin.setAttribute('aria-invalid', text && !ok ? 'true' : 'false');
  }

  function checkNow() {
    var value = pin.value;
    if (value === '') return showReason('', false);
    var seq = ++checkSeq;
    call('POST', '/pin-check', { pin: value }).then(function (result) {
      if (seq !== checkSeq) return;
      if (!result.ok) return showReason(boot.reasons[result.reason] || result.reasonText, false);
      if (confirmPin.value !== '' && confirmPin.value !== value) return showReason(t.pinMismatch, false);
      showReason(t.pinOk, true);
    }).catch(function () { /* a failed hint is not an error: the submit checks again */ });
  }

  function scheduleCheck() {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(checkNow, 150);
  }
  pin.addEventListener('input', scheduleCheck);
  confirmPin.addEventListener('input', scheduleCheck);

  document.getElementById('pin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (pin.value !== confirmPin.value) {
      showReason(t.pinMismatch, false);
      confirmPin.focus();
      return;
    }
    var wasLocked = !document.getElementById('locked').hidden;
    call('PUT', '/pin', { pin: pin.value }).then(function () {
      pin.value = '';
      confirmPin.value = '';
      showReason('', false);
      say(wasLocked ? t.pinSavedUnlocked : t.pinSaved);
      return refresh();
    }).catch(function (err) {
      if (err.problem && err.problem.reason) {
        showReason(boot.reasons[err.problem.reason] || err.problem.reasonText, false);
        pin.focus();
      } else failed(err);
    });
  });

  refresh();
})();
