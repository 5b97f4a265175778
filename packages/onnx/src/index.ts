/** @medslim/onnx — read, edit and write ONNX models (onnx.proto via protobufjs). */
export { onnx, int64ToNumber, UNKNOWN_FIELDS, type Int64, type ModelProto, type GraphProto, type NodeProto, type TensorProto, type AttributeProto, type ValueInfoProto } from './proto.ts';
/** Errors: one class, stable codes. */
export { OnnxError } from './errors.ts';
/** Element types: one table (ONNX enum ↔ typed array ↔ TensorProto field). */
export { DataType, dtypeFromOnnx, dtypeFromName, elemTypeName, fromFloat32, type DataTypeName, type TypedArray } from './dtype.ts';
/** IEEE binary16 conversion. */
export { toFloat16Bits, fromFloat16Bits } from './float16.ts';
/** Tensors ↔ typed arrays. */
export { tensorToArray, tensorToFloat32, arrayToTensor, tensorDims, tensorByteSize, sizeOf, type NdTensor } from './tensor.ts';
/** Model codec and metadata_props. */
export { readModel, readModelBytes, type ReadModelOptions, writeModel, getMetadata, setMetadata, defaultOpset } from './model.ts';
/** External data (`model.onnx` + `model.onnx.data`): read into the model, so it is one self-contained file. */
export { inlineExternalData, inlineExternalDataBeside, hasExternalData, externalDataFiles, externalLocation, modelFromFiles, type ExternalDataSource, type ModelFile, type AssembledModel } from './external.ts';
/** Graph helpers. */
export { producers, consumers, initializerMap, realInputs, topologicalOrder, addGraphOutputs, setInitializer, removeUnusedInitializers, valueShape, uniqueNamer } from './graph.ts';
/** Builders for nodes, values, graphs and models. */
export { makeNode, makeValueInfo, makeGraph, makeModel, getAttr, getIntAttr, type AttrValue } from './build.ts';
/** Model summary (`medslim inspect`). */
export { summarize, formatSummary, type ModelSummary, type IoSummary } from './summary.ts';
/** Opset upgrade 11/12 → 13 where the ops allow (per-channel QDQ needs DequantizeLinear-13). */
export { upgradeOpset, type OpsetUpgrade } from './opset.ts';
