export { renderTimelineSvg, renderLoadTimelineSvg, escapeXml, niceCeiling, ERROR_COLOR, type TimelineInput } from "./timeline-svg";
export { renderTable, renderRunTable, formatCell, type Cell, type Column, type RunRow } from "./summary-table";
