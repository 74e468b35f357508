// Starts GraphiQL against this server's /graphql. Add your token in the Headers tab:
// {"Authorization": "Bearer qf_..."}. Headers are not saved in the browser.
const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: false,
    defaultHeaders: '{"Authorization": "Bearer "}',
  }),
);
