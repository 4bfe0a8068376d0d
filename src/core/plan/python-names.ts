/** getOrdersById → get_orders_by_id; GetStock → get_stock */
export const pythonName = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
