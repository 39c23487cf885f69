/* Upload page: drag and drop, upload progress, then the "Reading" stage, and
   the questions the server may ask back (column mapping, date order). */
(function () {
  "use strict";

  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("file-input");
  const dropzone = document.getElementById("dropzone");
  const fileList = document.getElementById("file-list");
  const status = document.getElementById("upload-status");
  const stage = document.getElementById("upload-stage");
  const progress = document.getElementById("upload-progress");
  const errorBox = document.getElementById("upload-error");
  const button = document.getElementById("upload-button");
  const mappingForm = document.getElementById("mapping-form");
  const dateForm = document.getElementById("date-order-form");
  const labels = window.TATviz.readJSON("field-labels") || {};
  let chosen = [];
  let pendingId = null;
  let lastUrl = null;
  let lastQuestion = null; // the 422 asking for columns, kept for a second try
  let lastChoices = {};

  function showFiles(files) {
    chosen = Array.from(files);
    fileList.textContent = "";
    for (const file of chosen) {
      const item = document.createElement("li");
      item.textContent = file.name + " (" + formatSize(file.size) + ")";
      fileList.appendChild(item);
    }
    showError(sizeProblem(chosen));
  }

  /* The server's upload limit (TATVIZ_MAX_UPLOAD_MB, on the form), checked
     before sending: a file over it would be refused only after a long
     upload. The wording matches the server's own 413. */
  function sizeProblem(files) {
    const limitMb = Number(form.dataset.maxUploadMb);
    if (!limitMb) return "";
    const limit = limitMb * 1048576;
    const setting = " MB (setting TATVIZ_MAX_UPLOAD_MB).";
    for (const file of files) {
      if (file.size > limit) {
        return "'" + file.name + "' is " + formatSize(file.size) + "; the limit is " +
          limitMb + setting + " Nothing was sent.";
      }
    }
    const total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
    if (total > limit) {
      return "These " + files.length + " files are " + formatSize(total) +
        " together; one upload may hold at most " + limitMb + setting +
        " Upload them in several goes: add the rest to the current data set." +
        " Nothing was sent.";
    }
    return "";
  }

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function setStage(text, percent) {
    status.hidden = false;
    stage.textContent = text;
    if (percent === null) {
      progress.removeAttribute("value"); // indeterminate while the server reads
    } else {
      progress.value = percent;
    }
  }

  input.addEventListener("change", function () {
    showFiles(input.files);
  });

  ["dragenter", "dragover"].forEach(function (type) {
    dropzone.addEventListener(type, function (event) {
      event.preventDefault();
      dropzone.classList.add("is-dragover");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropzone.addEventListener(type, function (event) {
      event.preventDefault();
      dropzone.classList.remove("is-dragover");
    });
  });
  dropzone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showFiles(event.dataTransfer.files);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!chosen.length) {
      showError("Choose at least one export file first.");
      return;
    }
    const tooBig = sizeProblem(chosen);
    if (tooBig) {
      showError(tooBig);
      return;
    }
    const mode = form.querySelector("input[name=mode]:checked");
    const url = mode && mode.value === "add" ? "/api/datasets/current/files" : "/api/datasets";
    lastUrl = url;
    lastQuestion = null; // a new upload: an old question no longer applies
    upload(url, filesForm({}));
  });

  /* The chosen files as a form; an answer (mapping, date order) rides along. */
  function filesForm(payload) {
    const data = new FormData();
    chosen.forEach(function (file) {
      data.append("file", file, file.name);
    });
    const mapping = Object.assign({}, payload);
    delete mapping.date_order;
    if (Object.keys(mapping).length) data.append("mapping", JSON.stringify(mapping));
    if (payload.date_order) data.append("date_order", payload.date_order);
    return data;
  }

  function upload(url, data) {
    showError("");
    mappingForm.hidden = true;
    dateForm.hidden = true;
    button.disabled = true;
    setStage("Uploading… 0%", 0);
    const uploadId = newUploadId();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", window.TATviz.csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Upload-Id", uploadId);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        const percent = Math.round((event.loaded / event.total) * 100);
        setStage("Uploading… " + percent + "%", percent);
      }
    });
    xhr.upload.addEventListener("load", function () {
      setStage("Reading the export… (a large file can take a minute)", null);
      followReading(uploadId, xhr);
    });
    xhr.addEventListener("load", function () {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch (err) {
        body = { error: "Unexpected answer from TATviz (HTTP " + xhr.status + ")." };
        if (xhr.status === 413) {
          // The web server refused the body before TATviz saw it.
          body.error = "This upload is over the limit of " + form.dataset.maxUploadMb +
            " MB (setting TATVIZ_MAX_UPLOAD_MB). Upload the files in several goes.";
        }
      }
      handleAnswer(xhr.status, body);
    });
    xhr.addEventListener("error", function () {
      handleAnswer(0, { error: "The upload failed: is TATviz still running?" });
    });
    xhr.send(data);
  }

  /* A random name for this upload, so the server can say how far it is. */
  function newUploadId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  const READING_WORDS = {
    reading: "Reading the export…",
    checking: "Checking dates and duplicates…",
    saving: "Saving the data set…",
  };

  /* While the server reads the upload, ask it every half second how far it
     is; the bar follows its answer (the first answers may come before the
     server has started: the bar stays indeterminate until then). */
  function followReading(uploadId, xhr) {
    function ask() {
      if (xhr.readyState === XMLHttpRequest.DONE) return;
      fetch("/api/uploads/" + uploadId + "/progress", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (xhr.readyState === XMLHttpRequest.DONE) return;
          if (body && READING_WORDS[body.stage]) {
            setStage(READING_WORDS[body.stage] + " " + body.percent + "%", body.percent);
          }
          window.setTimeout(ask, 500);
        })
        .catch(function () { window.setTimeout(ask, 1000); });
    }
    window.setTimeout(ask, 300);
  }

  function handleAnswer(statusCode, body) {
    button.disabled = false;
    if (statusCode === 200 || statusCode === 201) {
      setStage("Loaded. Opening the report…", 100);
      window.location.assign(body.existing ? "/upload?loaded=existing" : "/upload?loaded=1");
      return;
    }
    status.hidden = true;
    if (body.needs_mapping) {
      const sameFile = lastQuestion && body.id && body.id === pendingId &&
        JSON.stringify(body.headers) === JSON.stringify(lastQuestion.headers);
      pendingId = body.id;
      // A second question about the same file keeps the choices made.
      if (sameFile) body.guesses = Object.assign({}, body.guesses, lastChoices);
      lastQuestion = body;
      showMapping(body);
    } else if (body.needs_date_order) {
      pendingId = body.id;
      showDateOrder(body);
    } else if (lastQuestion && (body.held || !pendingId)) {
      // A wrong answer: the upload is still held (or, when adding files, the
      // chosen files are still here); the same form, same choices.
      lastQuestion.guesses = Object.assign({}, lastChoices);
      showMapping(lastQuestion);
      showError(body.error + " Change the choice and try again: nothing needs uploading again.");
    } else {
      showError(body.error || "The export could not be loaded.");
    }
  }

  const FIELD_ORDER = [
    ["completed_at", true], ["modality", true], ["exam_name", true],
    ["ordered_at", false], ["finalized_at", false], ["accession", false],
    ["priority", false], ["patient_class", false], ["ordering_physician", false],
    ["started_at", false], ["preliminary_at", false], ["reading_radiologist", false],
    ["location", false], ["status", false],
  ];

  /* A column as a person sees it: its name and a few of its values. */
  function describe(header, samples) {
    const values = (samples[header] || []).slice(0, 3);
    return values.length ? header + " — e.g. " + values.join(", ") : header + " — (empty)";
  }

  function showColumns(body) {
    const rows = document.getElementById("mapping-columns");
    rows.textContent = "";
    const samples = body.samples || {};
    const evidence = body.evidence || {};
    (body.headers || []).forEach(function (header) {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = header;
      const values = document.createElement("td");
      values.className = "sample-values";
      values.textContent = (samples[header] || []).join(" · ") || "(empty)";
      const said = document.createElement("td");
      said.className = "hint";
      said.textContent = evidence[header] || "";
      row.append(name, values, said);
      rows.appendChild(row);
    });
  }

  function showMapping(body) {
    document.getElementById("mapping-message").textContent = body.error || "";
    const rows = document.getElementById("mapping-rows");
    rows.textContent = "";
    const guesses = body.guesses || {};
    const samples = body.samples || {};
    const evidence = body.evidence || {};
    FIELD_ORDER.forEach(function (entry, index) {
      const field = entry[0];
      const row = document.createElement("tr");
      const head = document.createElement("th");
      head.scope = "row";
      const label = document.createElement("label");
      label.htmlFor = "map-" + index;
      label.textContent = labels[field] || field;
      head.appendChild(label);
      if (entry[1]) {
        const mark = document.createElement("span");
        mark.className = "required";
        mark.textContent = {
          completed_at: " (required)",
          modality: " (this or the exam name)",
          exam_name: " (this or the modality)",
        }[field];
        head.appendChild(mark);
      }
      const cell = document.createElement("td");
      const select = document.createElement("select");
      select.id = "map-" + index;
      select.name = field;
      select.appendChild(new Option("— not in this file —", ""));
      (body.headers || []).forEach(function (header) {
        select.appendChild(new Option(describe(header, samples), header, false, guesses[field] === header));
      });
      const why = document.createElement("span");
      why.className = "hint mapping-why";
      function explain() {
        why.textContent = select.value && evidence[select.value] ? " " + evidence[select.value] : "";
      }
      select.addEventListener("change", explain);
      explain();
      cell.append(select, why);
      row.appendChild(head);
      row.appendChild(cell);
      rows.appendChild(row);
    });
    showColumns(body);
    mappingForm.hidden = false;
    mappingForm.querySelector("select").focus();
  }

  function showDateOrder(body) {
    document.getElementById("date-order-message").textContent =
      body.error || "The dates could be read either way.";
    dateForm.hidden = false;
    dateForm.querySelector("input[type=radio]").focus();
  }

  async function answer(payload) {
    if (!pendingId) {
      // Adding to the current data set keeps nothing until every file reads:
      // send the same files again, with the answer.
      upload(lastUrl, filesForm(payload));
      return;
    }
    setStage("Reading the export…", null);
    const result = await window.TATviz.request(
      "POST", "/api/datasets/" + encodeURIComponent(pendingId) + "/mapping", payload
    );
    handleAnswer(result.status, result.body);
  }

  mappingForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const mapping = {};
    mappingForm.querySelectorAll("select").forEach(function (select) {
      if (select.value) mapping[select.name] = select.value;
    });
    if (!mapping.completed_at) {
      showError("Choose the column that holds the exam completion time.");
      return;
    }
    lastChoices = mapping;
    mappingForm.hidden = true;
    answer(mapping);
  });

  /* Data page → "Answer the question": ask the held upload's question again. */
  const resume = new URLSearchParams(window.location.search).get("resume");
  if (resume) {
    pendingId = resume;
    answer({});
  }

  dateForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const choice = dateForm.querySelector("input[name=date_order]:checked");
    dateForm.hidden = true;
    answer({ date_order: choice.value });
  });
})();
