/**
 * The teacher of a submitted job, checked before the job is queued: what reading its interface would refuse for
 * any dataset (@medslim/intake's `refusalForAnyDataset`: an input or output medslim cannot feed or read, integer
 * class scores, ambiguous outputs without `contract.output`, a contract whose mean/std do not fit the channels,
 * bad metadata) and weights left in external data files the upload does not hold — answered with 400 and the
 * refusal's code, instead of a job that fails later. What needs the data (the evidence rule for a contract,
 * the dataset's classes and image size) is still decided by the job.
 */
import type { ExplicitContract } from '@medslim/contracts';
import { refusalForAnyDataset } from '@medslim/intake/read';
import { externalDataFiles, hasExternalData, OnnxError, readModel } from '@medslim/onnx';
import type { Registry } from '@medslim/registry';
import { ApiError } from '../errors.ts';

/** Teachers larger than this are not read at submission (memory of a small API function); their job checks them. */
export const MAX_CHECKED_TEACHER_BYTES = 256 * 1024 * 1024;

/**
 * @throws ApiError 400 with the refusal's code (MODEL_INPUT, MODEL_OUTPUT, UNSUPPORTED_TYPE, AMBIGUOUS_LAYOUT,
 *   AMBIGUOUS_OUTPUT, BAD_CONTRACT, BAD_METADATA, CLASS_MISMATCH), EXTERNAL_DATA, NOT_ONNX or TRUNCATED, the
 *   message naming the upload and the field that fixes it; RegistryError NOT_FOUND / CONFLICT for the upload.
 */
export async function checkTeacher(registry: Registry, tenant: string, uploadId: string, contract: ExplicitContract | undefined): Promise<void> {
  const record = await registry.uploads.getReady(tenant, uploadId, 'teacher');
  if ((record.bytes ?? 0) > MAX_CHECKED_TEACHER_BYTES) return;
  const { body } = await registry.store.get(registry.uploads.blobKey(tenant, uploadId));
  const what = `teacher upload ${uploadId}${record.filename ? ` (${record.filename})` : ''}`;
  let model;
  try {
    model = readModel(body, what, { keepExternalData: true });
  } catch (e) {
    if (e instanceof OnnxError) throw new ApiError(400, e.code, `${e.message} (field 'teacher')`);
    throw e;
  }
  if (hasExternalData(model)) {
    const files = externalDataFiles(model).map((f) => `'${f}'`).join(', ');
    throw new ApiError(400, 'EXTERNAL_DATA', `${what} keeps its weights in external data file(s) ${files}, which were not uploaded with it; upload the model again with them — multipart field 'files' once per file (-F files=@model.onnx -F files=@model.onnx.data) or one .zip in field 'file' — and submit with that upload as 'teacher'`);
  }
  const refusal = refusalForAnyDataset(model, { explicit: contract, what });
  if (refusal) throw new ApiError(400, refusal.code, `${refusal.message} (the job spec's field is options.contract; nothing was queued)`);
}
