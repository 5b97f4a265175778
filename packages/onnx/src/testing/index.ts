/** Test helpers shared across medslim packages (not part of the public API). */
export { tinyResNet, seededValues, type TinyNetOptions } from './tiny-nets.ts';
