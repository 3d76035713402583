extension BuiltInDefinitions {
    /// ERPNext (Frappe framework) REST resources, from https://frappeframework.com/docs/user/en/api/rest: documents
    /// under `/api/resource/{DocType}` named by `name`, wrapped in `{"data": …}`, lists paged with `limit_start` /
    /// `limit_page_length`, filtered with `filters=[["modified", ">=", "…"]]` (server time, `YYYY-MM-DD HH:MM:SS`),
    /// updates with `PUT`, errors as `{"exc_type", "exception"}` (validation failures as `417`, read as `422`). API key and secret go as HTTP Basic
    /// (`username` = key, `password` = secret), which Frappe accepts beside `token key:secret`.
    static let erpnext = """
        name: erpnext
        displayName: ERPNext
        baseURL: https://erp.example.com
        auth:
          kinds: [basic]
          placement: {type: basic}
        request:
          updateMethod: PUT
        pagination:
          style: offset
          param: limit_start
          startsAt: 0
          limitParam: limit_page_length
          maxPageSize: 500
        records: data
        record: data
        errors: {message: exception, code: exc_type, statuses: {417: 422}}
        resources:
          - name: customers
            description: Customer master records
            path: /api/resource/Customer
            idField: name
            operations: [list, get, create, update, delete]
            query: {fields: '["*"]', order_by: modified asc}
            incremental: {field: modified, param: filters, template: '[["modified", ">=", "{value}"]]', format: dateTime}
          - name: items
            description: Products and services
            path: /api/resource/Item
            idField: name
            operations: [list, get, create, update, delete]
            query: {fields: '["*"]', order_by: modified asc}
            incremental: {field: modified, param: filters, template: '[["modified", ">=", "{value}"]]', format: dateTime}
          - name: sales_invoices
            description: Invoices to customers
            path: /api/resource/Sales%20Invoice
            idField: name
            operations: [list, get, create, update, delete]
            query: {fields: '["*"]', order_by: modified asc}
            incremental: {field: modified, param: filters, template: '[["modified", ">=", "{value}"]]', format: dateTime}
        """
}
