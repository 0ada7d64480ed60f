// Synthetic population with ground truth. Generation is pure and streamed;
// writePopulation does the file output.
export { generatePopulation, populationTable, DEFAULT_CUT_DATES, INDICATOR_COLUMNS, TABLE_COLUMNS } from "./population.js";
export type { PopulationOptions, IndicatorTableRow, SimCluster } from "./population.js";
export type { SimEntity, SimEvent } from "./entity.js";
export { writePopulation, type WriteOptions, type WriteSummary } from "./write.js";
export { fromApiEvent, toApiEvent, toApiMerchant } from "./api-records.js";
