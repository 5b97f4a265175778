/** Test helpers shared across medslim packages (not part of the public API). */
export { tinyResNet, seededValues, tinyGemm, tinyGemmLogits, TINY_W, TINY_B, type TinyNetOptions } from './tiny-nets.ts';
