// Is 64x512x512 slow because B's row stride is exactly 4096 bytes (cache-set aliasing)? Compare N=512 with N=510/516.
const fs=require('fs');
const bin=fs.readFileSync(__dirname+'/kernels.wasm');
const mem=new WebAssembly.Memory({initial:256,maximum:256});
const E=new WebAssembly.Instance(new WebAssembly.Module(bin),{env:{mem}}).exports;
const H=new Float64Array(mem.buffer); for(let i=0;i<H.length;i++)H[i]=(i%97)/97-0.5;
for (const N of [512,510,516,520]) for (const v of ['mm_4x2_u1','mm_2x4_u1','mm_4x4_u1']) {
  const M=64,K=512,pA=64,pB=pA+M*K*8+64,pO=pB+K*N*8+64;
  const fn=E[v]; for(let w=0;w<5;w++)fn(pA,pB,pO,M,K,N);
  const r=[]; for(let t=0;t<7;t++){const t0=process.hrtime.bigint();for(let w=0;w<5;w++)fn(pA,pB,pO,M,K,N);r.push(Number(process.hrtime.bigint()-t0)/5e3);} r.sort((a,b)=>a-b);
  console.log(N,v,'min',r[0].toFixed(0),'µs med',r[3].toFixed(0),'GMAC/s',(M*K*N/r[0]/1e3).toFixed(2));
}
