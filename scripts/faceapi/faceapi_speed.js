// faceapi_speed.js - face-api's own per-call times on one image, for the side-by-side speed table
// in docs/faces.md (syncdsp's side: example_face_landmarks IMAGE 0 30).
//
//   node faceapi_speed.js MODELS_DIR IMAGE.png [wasm|cpu] [repeats]
//
// Reports the median wall time and the median process CPU time (process.cpuUsage, user+system;
// the wasm backend is run without threads, so CPU time ~ single-core time) of: locateFaces at
// 416 and 224 (resize + net + decode + NMS), detectLandmarks on the detected face crop for the
// full and the tiny 68-point nets. One warm-up call each.
'use strict';
const fs = require('fs');
const { PNG } = require('pngjs');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

async function time(repeats, f) {
  await f();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await f();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { wall_ms: med(wall), cpu_ms: med(cpu) };
}

async function main() {
  const [modelDir, imagePath, backend = 'wasm', rep = '20'] = process.argv.slice(2);
  if (!modelDir || !imagePath) {
    console.error('usage: node faceapi_speed.js MODELS_DIR IMAGE.png [wasm|cpu] [repeats]');
    process.exit(2);
  }
  if (backend === 'wasm') wasm.setThreadsCount(1);
  await tf.setBackend(backend);
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(modelDir);
  const png = PNG.sync.read(fs.readFileSync(imagePath));
  const rgb = new Int32Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.data.length; i += 4) {
    rgb[j++] = png.data[i]; rgb[j++] = png.data[i + 1]; rgb[j++] = png.data[i + 2];
  }
  const img = tf.tensor3d(rgb, [png.height, png.width, 3], 'int32');
  const repeats = Number(rep);
  const out = { backend: tf.getBackend(), tfjs: tf.version.tfjs, simd: undefined, repeats };
  if (backend === 'wasm') out.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const opt = (inputSize) => new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 });
  out.detector_416 = await time(repeats, () => faceapi.nets.tinyFaceDetector.locateFaces(img, opt(416)));
  out.detector_224 = await time(repeats, () => faceapi.nets.tinyFaceDetector.locateFaces(img, opt(224)));
  const dets = await faceapi.nets.tinyFaceDetector.locateFaces(img, opt(416));
  if (dets.length) {
    const [crop] = await faceapi.extractFaceTensors(img, [dets[0]]);
    out.landmarks_68 = await time(repeats, () => faceapi.nets.faceLandmark68Net.detectLandmarks(crop));
    out.landmarks_68_tiny = await time(repeats, () => faceapi.nets.faceLandmark68TinyNet.detectLandmarks(crop));
    crop.dispose();
  }
  img.dispose();
  console.log(JSON.stringify(out, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
