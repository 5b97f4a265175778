/// <reference types="vite/client" />

/** Build-time settings of a deployed console (sst.config.ts sets them for the static site). */
interface ImportMetaEnv {
  /** Origin of the API (e.g. its Lambda function URL); empty: the console's own origin. */
  readonly VITE_MEDSLIM_API_URL?: string;
  /** Origin of the inference function (predict, metrics); empty: the API's. */
  readonly VITE_MEDSLIM_INFER_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
