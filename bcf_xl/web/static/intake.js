// Drag and drop onto the upload form. The form works without this file: a dropped file is put
// into the form's own file input and the form is sent as if the button had been pressed.
(function () {
  var form = document.getElementById('upload-form');
  var zone = document.getElementById('dropzone');
  var input = document.getElementById('file');
  if (!form || !zone || !input) { return; }
  function stop(event) { event.preventDefault(); event.stopPropagation(); }
  ['dragenter', 'dragover'].forEach(function (name) {
    zone.addEventListener(name, function (event) { stop(event); zone.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (name) {
    zone.addEventListener(name, function (event) { stop(event); zone.classList.remove('over'); });
  });
  zone.addEventListener('drop', function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length !== 1) { return; }
    input.files = files;
    form.requestSubmit();
  });
  form.addEventListener('submit', function () {
    document.getElementById('sending').hidden = false;
  });
  zone.setAttribute('data-ready', 'drop');  // the zone takes dropped files from now on
}());
