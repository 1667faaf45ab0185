// The OCR thread: tesseract.js's own worker script (started by ocr-pool.ts through its workerPath),
// first lowered to the background priority of every reading thread (BACKGROUND_NICE in
// src/lib/thread.ts, kept equal by tests/unit/thread-priority.test.ts): when the cores are busy,
// requests and the embedded database run first.
try {
  require('node:os').setPriority(10);
} catch {
  // Not permitted here: the thread runs at the normal priority.
}
require('tesseract.js/src/worker-script/node/index.js');
