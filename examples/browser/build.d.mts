export declare const distDir: string;
export declare function build(): Promise<string>;
